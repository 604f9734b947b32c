"""One language per page: Dutch by default, English on request, the same rule for every page, message and report.

How a request's language is chosen (`current()`), first match wins:
1. `?lang=nl` / `?lang=en` in the URL (an HTML answer to such a URL also sets the cookie, so the choice sticks);
2. the `lang` cookie;
3. the best of nl / en in `Accept-Language` (only a first guess: the switch on every page overrides it);
4. nl.

Templates get `lang`, `other_lang`, `t(nl, en)` (the text in the page's language), `switch_url` (this page in the
other language: same path and query, `lang` replaced) and `texts(d)` (the entry of a `{lang: text}` dict in the
page's language, else another one). Python code calls `t`, `current()` and `pick()` the same way.

A small module rather than Flask-Babel: there are two languages, and each text is short and lives next to its use
as a pair `t("Zoeken", "Search")`, so a missing translation cannot happen and there are no catalogs to extract and
compile; Flask-Babel's own part (choosing the locale per request) is these few functions. Data labels come from the
graph with their `@nl` / `@en` tags: `pick()` chooses among them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, Response, g, has_request_context, request

from .limits import HttpError

LANGUAGES = ("nl", "en")
DEFAULT = "nl"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
NAMES = {"nl": "Nederlands", "en": "English"}  # each in its own language, for the switch


def parse(raw: str | None) -> str | None:
    """`nl` / `en` for a `lang` value (`en-GB`, `EN` too); None when empty; ValueError for another language."""
    if raw is None or not raw.strip():
        return None
    primary = raw.strip().lower().replace("_", "-").split("-")[0]
    if primary in LANGUAGES:
        return primary
    raise ValueError(raw)


def _guess() -> str:
    """The language without a `lang` parameter: the cookie, else Accept-Language, else nl."""
    try:
        cookie = parse(request.cookies.get(COOKIE))
    except ValueError:
        cookie = None
    return cookie or request.accept_languages.best_match(LANGUAGES, default=DEFAULT)


def current() -> str:
    """The language of this request (see the module docstring); a `lang` parameter naming another language is a 400
    (whose error page is then written in the guessed language). Outside a request: nl."""
    if not has_request_context():
        return DEFAULT
    lang = g.get("lang")
    if lang is not None:
        return lang
    raw = request.args.get("lang")
    try:
        chosen = parse(raw)
    except ValueError:
        g.lang = _guess()
        raise HttpError(400, f"lang={raw!r}: the pages are in Dutch (lang=nl) and English (lang=en)",
                        nl=f"lang={raw!r}: de pagina's zijn er in het Nederlands (lang=nl) en het Engels (lang=en)") from None
    g.lang_from_url = chosen is not None
    g.lang = chosen or _guess()
    return g.lang


def use(lang: str) -> None:
    """Write the rest of this request in `lang`: something other than `?lang` chose it (a form's `lang` field)."""
    current()
    g.lang = lang


def resolved() -> str:
    """`current()` when it can be told; the guessed language when the URL's `lang` is invalid (for error pages)."""
    try:
        return current()
    except HttpError:
        return g.get("lang") or DEFAULT


def other(lang: str | None = None) -> str:
    return "en" if (lang or resolved()) == "nl" else "nl"


def t(nl: str, en: str) -> str:
    """The text in the request's language."""
    return en if resolved() == "en" else nl


def pick(texts: dict[str, str] | None, lang: str | None = None) -> tuple[str | None, str | None]:
    """(text, its language) from a `{lang: text}` dict: the page's language, else an untagged text, else the
    other language. The language is given only when it is not the page's (so a template can mark it with `lang`)."""
    if not texts:
        return None, None
    lang = lang or resolved()
    for key in (lang, ""):
        if texts.get(key):
            return texts[key], None
    for key in (other(lang), *sorted(texts)):
        if texts.get(key):
            return texts[key], key or None
    return None, None


def switch_url(lang: str) -> str:
    """This page in `lang`: the same path and query with `lang` replaced."""
    args = [(k, v) for k, vs in request.args.lists() for v in vs if k != "lang"]
    args.append(("lang", lang))
    return request.script_root + request.path + "?" + urlencode(args)


def _remember(resp: Response) -> Response:
    """An HTML answer to a URL with a valid `lang` sets the cookie; every answer whose language was guessed from the
    cookie or Accept-Language says that it varies by them."""
    if g.get("lang") is None:
        return resp
    if g.get("lang_from_url"):
        if resp.mimetype == "text/html" and request.cookies.get(COOKIE) != g.lang:
            resp.set_cookie(COOKIE, g.lang, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    else:
        vary = resp.headers.get("Vary", "")
        missing = [h for h in ("Cookie", "Accept-Language") if h.lower() not in vary.lower()]
        if missing:
            resp.headers["Vary"] = ", ".join(([vary] if vary else []) + missing)
    if resp.mimetype == "text/html":
        resp.headers.setdefault("Content-Language", g.lang)
    return resp


def _template_globals() -> dict:
    if not has_request_context():
        return {}
    lang = resolved()
    return {"lang": lang, "other_lang": other(lang), "t": t, "switch_url": switch_url(other(lang)),
            "language_names": NAMES, "texts": lambda d: pick(d)[0]}


def install(app: Flask) -> None:
    app.context_processor(_template_globals)
    app.after_request(_remember)
