"""The WordPress chrome around every synthetic page: head, menu header and footer.

Why it is this large: a real OGP page is mostly chrome (about 23 KB of SEO meta, JSON-LD, inline styles,
menus), and analysis has to wade through it on every 200; a benchmark page without it would be cheaper to
analyse than a real one. The header and footer are the same on every page, so they are built once.
"""

from __future__ import annotations

import zlib
from html import escape

from benchmarks.synthetic import SYNTHETIC_NOTICE

SITE_NAME = "Open Government Partnership"
MENU = {
    "About": ["Open Government Partnership", "Steering Committee", "Support Unit", "Independent Reporting "
              "Mechanism", "Funding", "Careers", "Contact Us", "Articles of Governance", "Annual Reports"],
    "Our Members": ["Members", "National Members", "Local Members", "Join OGP", "Action Plans", "Commitments",
                    "Multi-Stakeholder Forums", "Procedural Review", "Eligibility Criteria"],
    "Policy Areas": ["Access to Information", "Anti-Corruption", "Beneficial Ownership", "Civic Space",
                     "Climate and Environment", "Digital Governance", "Fiscal Openness", "Gender and Inclusion",
                     "Justice", "Lobbying", "Open Contracting", "Open Parliaments", "Public Service Delivery",
                     "Right to Information", "Whistleblower Protection", "Youth"],
    "Resources": ["Documents", "IRM Reports", "Action Plan Reviews", "Results Reports", "Data Dashboard",
                  "Toolkits", "Guidance", "Webinars", "OGP Trust Fund"],
    "News and Events": ["News", "Stories", "Blogs", "Events", "Global Summit", "Open Gov Week", "Newsletter"],
}
WP_COLOURS = ("black", "cyan-bluish-gray", "white", "pale-pink", "vivid-red", "luminous-vivid-orange",
              "luminous-vivid-amber", "light-green-cyan", "vivid-green-cyan", "pale-cyan-blue", "vivid-cyan-blue",
              "vivid-purple", "ogp-navy", "ogp-teal", "ogp-gold", "ogp-grey")


def wp_head(title: str, url: str, description: str, modified: str) -> str:
    """The head of a WordPress page: SEO meta, JSON-LD, emoji loader, global styles, stylesheets, scripts."""
    colours = "".join(f"--wp--preset--color--{c}: #{zlib.crc32(c.encode()) % 0xFFFFFF:06x};" for c in WP_COLOURS)
    rules = "".join(
        f".has-{c}-color{{color: var(--wp--preset--color--{c}) !important;}}"
        f".has-{c}-background-color{{background-color: var(--wp--preset--color--{c}) !important;}}"
        f".has-{c}-border-color{{border-color: var(--wp--preset--color--{c}) !important;}}"
        for c in WP_COLOURS
    )
    sizes = "".join(f".has-{s}-font-size{{font-size: var(--wp--preset--font-size--{s}) !important;}}"
                    for s in ("small", "medium", "large", "x-large", "xx-large"))
    styles = "".join(
        f"<link rel='stylesheet' id='{name}-css' href='/wp-content/{path}?ver=6.4.{n}' media='all' />\n"
        for n, (name, path) in enumerate([
            ("wp-block-library", "wp-includes/css/dist/block-library/style.min.css"),
            ("classic-theme-styles", "wp-includes/css/classic-themes.min.css"),
            ("contact-form-7", "plugins/contact-form-7/includes/css/styles.css"),
            ("wpml-legacy-horizontal-list-0", "plugins/sitepress-multilingual-cms/templates/style.min.css"),
            ("ogp-fonts", "themes/ogp/assets/fonts/fonts.css"),
            ("ogp-main", "themes/ogp/assets/css/main.min.css"),
            ("ogp-print", "themes/ogp/assets/css/print.css"),
        ])
    )
    scripts = "".join(
        f"<script src='/wp-{path}?ver=3.{n}.1' id='{name}-js'></script>\n"
        for n, (name, path) in enumerate([
            ("jquery-core", "includes/js/jquery/jquery.min.js"),
            ("jquery-migrate", "includes/js/jquery/jquery-migrate.min.js"),
            ("ogp-vendor", "content/themes/ogp/assets/js/vendor.min.js"),
            ("ogp-main", "content/themes/ogp/assets/js/main.min.js"),
        ])
    )
    schema = (
        '{"@context":"https://schema.org","@graph":[{"@type":"WebPage","@id":"' + url + '","url":"' + url
        + '","name":"' + escape(title) + " - " + SITE_NAME + '","isPartOf":{"@id":"/#website"},"datePublished":"'
        + modified + '","dateModified":"' + modified + '","description":"' + escape(description)
        + '","breadcrumb":{"@id":"' + url + '#breadcrumb"},"inLanguage":"en-US","potentialAction":[{"@type":'
        '"ReadAction","target":["' + url + '"]}]},{"@type":"BreadcrumbList","@id":"' + url + '#breadcrumb",'
        '"itemListElement":[{"@type":"ListItem","position":1,"name":"Home","item":"/"},{"@type":"ListItem",'
        '"position":2,"name":"' + escape(title) + '"}]},{"@type":"WebSite","@id":"/#website","url":"/","name":"'
        + SITE_NAME + '","description":"Synthetic benchmark site","publisher":{"@id":"/#organization"},'
        '"inLanguage":"en-US"},{"@type":"Organization","@id":"/#organization","name":"' + SITE_NAME
        + ' (synthetic)","url":"/","logo":{"@type":"ImageObject","url":"/wp-content/uploads/logo.png",'
        '"width":600,"height":200}}]}'
    )
    emoji = (
        "window._wpemojiSettings = {\"baseUrl\":\"https:\\/\\/s.w.org\\/images\\/core\\/emoji\\/14.0.0\\/72x72\\/\","
        "\"ext\":\".png\",\"svgUrl\":\"https:\\/\\/s.w.org\\/images\\/core\\/emoji\\/14.0.0\\/svg\\/\",\"svgExt\":"
        "\".svg\",\"source\":{\"concatemoji\":\"\\/wp-includes\\/js\\/wp-emoji-release.min.js?ver=6.4.2\"}};\n"
        + "".join(f"/*! This file is auto-generated */!function(i,n){{var o{k},s{k},e{k};function c{k}(e){{try{{"
                  f"var t={{supportTests:e,timestamp:(new Date).valueOf()}};sessionStorage.setItem(o{k},"
                  f"JSON.stringify(t))}}catch(e){{}}}}}}(window,document);\n" for k in range(6))
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"en-US\" class=\"no-js\">\n<head>\n<meta charset=\"UTF-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)} - {SITE_NAME}</title>\n"
        "<meta name=\"robots\" content=\"index, follow, max-image-preview:large, max-snippet:-1\" />\n"
        f"<link rel=\"canonical\" href=\"{url}\" />\n"
        f"<meta name=\"description\" content=\"{escape(description)}\" />\n"
        "<meta property=\"og:locale\" content=\"en_US\" />\n<meta property=\"og:type\" content=\"article\" />\n"
        f"<meta property=\"og:title\" content=\"{escape(title)}\" />\n"
        f"<meta property=\"og:description\" content=\"{escape(description)}\" />\n"
        f"<meta property=\"og:url\" content=\"{url}\" />\n<meta property=\"og:site_name\" content=\"{SITE_NAME}\" />\n"
        f"<meta property=\"article:modified_time\" content=\"{modified}\" />\n"
        "<meta name=\"twitter:card\" content=\"summary_large_image\" />\n"
        f"<script type=\"application/ld+json\" class=\"yoast-schema-graph\">{schema}</script>\n"
        "<link rel='dns-prefetch' href='//fonts.googleapis.com' />\n"
        f"<link rel=\"alternate\" type=\"application/rss+xml\" title=\"{SITE_NAME} &raquo; Feed\" href=\"/feed/\" />\n"
        f"<script>\n{emoji}</script>\n"
        f"<style id='global-styles-inline-css'>\nbody{{{colours}}}\n{rules}{sizes}\n</style>\n"
        f"{styles}{scripts}"
        "<link rel=\"https://api.w.org/\" href=\"/wp-json/\" />\n"
        "<link rel=\"EditURI\" type=\"application/rsd+xml\" title=\"RSD\" href=\"/xmlrpc.php?rsd\" />\n"
        "<meta name=\"generator\" content=\"WordPress 6.4.2\" />\n"
        "<link rel=\"icon\" href=\"/wp-content/uploads/cropped-favicon-32x32.png\" sizes=\"32x32\" />\n"
        "</head>\n"
    )


def _wp_header() -> str:
    items = []
    for top, links in MENU.items():
        sub = "".join(
            f"<li id=\"menu-item-{zlib.crc32(link.encode()) % 9000 + 1000}\" class=\"menu-item "
            f"menu-item-type-post_type menu-item-object-page\"><a href=\"/{'-'.join(link.lower().split())}/\">"
            f"{escape(link)}</a></li>"
            for link in links
        )
        items.append(f"<li class=\"menu-item menu-item-has-children\"><a href=\"#\">{top}</a>"
                     f"<ul class=\"sub-menu\">{sub}</ul></li>")
    return (
        "<a class=\"skip-link screen-reader-text\" href=\"#content\">Skip Navigation</a>\n"
        "<header id=\"masthead\" class=\"site-header\"><div class=\"site-branding\"><a href=\"/\" rel=\"home\">"
        f"<img src=\"/wp-content/uploads/logo.svg\" alt=\"{SITE_NAME}\" width=\"200\" height=\"60\"></a></div>\n"
        "<nav id=\"site-navigation\" class=\"main-navigation\" aria-label=\"Main\"><button class=\"menu-toggle\" "
        "aria-controls=\"primary-menu\" aria-expanded=\"false\">Menu</button>"
        f"<ul id=\"primary-menu\" class=\"menu\">{''.join(items)}</ul></nav>\n"
        "<div class=\"lang-switcher\"><ul><li class=\"wpml-ls-current-language\"><a href=\"#\">English</a></li>"
        "<li><a href=\"#\">Español</a></li><li><a href=\"#\">Français</a></li></ul></div>\n"
        "<form role=\"search\" method=\"get\" class=\"search-form\" action=\"/\"><label><span "
        "class=\"screen-reader-text\">Search for:</span><input type=\"search\" class=\"search-field\" "
        "placeholder=\"Search &hellip;\" value=\"\" "
        "name=\"s\" /></label><input type=\"submit\" class=\"search-submit\" value=\"Search\" /></form></header>\n"
    )


def _wp_footer() -> str:
    columns = "".join(
        f"<div class=\"footer-column\"><h4>{top}</h4><ul>"
        + "".join(f"<li><a href=\"/{'-'.join(link.lower().split())}/\">{escape(link)}</a></li>" for link in links[:6])
        + "</ul></div>"
        for top, links in MENU.items()
    )
    social = "".join(f"<a class=\"social-{s}\" href=\"https://{s}.example/ogp-synthetic\" aria-label=\"{s}\">"
                     f"<svg width=\"24\" height=\"24\" viewBox=\"0 0 24 24\"><path d=\"M12 2C6.5 2 2 6.5 2 12s4.5 10 "
                     f"10 10 10-4.5 10-10S17.5 2 12 2z\"/></svg></a>" for s in ("x", "facebook", "linkedin", "youtube"))
    return (
        f"<footer id=\"colophon\" class=\"site-footer\"><div class=\"footer-columns\">{columns}</div>\n"
        "<div class=\"newsletter\"><h4>Subscribe to our newsletter</h4><form class=\"wpcf7-form\" method=\"post\" "
        "action=\"/#wpcf7-f100-o1\"><input type=\"email\" name=\"your-email\" placeholder=\"Email address\">"
        "<input type=\"submit\" value=\"Subscribe\"></form></div>\n"
        f"<div class=\"social\">{social}</div>\n"
        f"<p class=\"copyright\">{SITE_NAME} (synthetic benchmark copy). {SYNTHETIC_NOTICE}</p></footer>\n"
        "<script id=\"ogp-main-js-extra\">var ogpSettings = {\"ajaxUrl\":\"\\/wp-admin\\/admin-ajax.php\","
        "\"nonce\":\"0123456789\",\"lang\":\"en\"};</script>\n"
        "<script src='/wp-includes/js/comment-reply.min.js?ver=6.4.2' id='comment-reply-js' async></script>\n"
        "</body>\n</html>\n"
    )


_CHROME: dict[str, str] = {}


def chrome() -> dict[str, str]:
    if not _CHROME:
        _CHROME["header"] = _wp_header()
        _CHROME["footer"] = _wp_footer()
    return _CHROME
