"""The Telegram front end: python-telegram-bot handlers over the conversation engine and the watch jobs.

Named ``tg`` rather than ``telegram`` so that it can never shadow the python-telegram-bot package.
"""
