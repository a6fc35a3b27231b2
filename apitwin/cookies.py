"""A cookie's value from a Cookie header, read as servers read it (RFC 6265, section 5.4: `name=value` pairs separated by
`;`): a malformed pair elsewhere in the header neither hides the cookie asked for nor fails the request. Python's
`SimpleCookie`, which Connexion's apiKey check used, raises `CookieError` on a `$name` pair it takes for an unknown
attribute (`a=1; $95ae2r=x`: a 500 under schemathesis) and silently drops every cookie after a pair without `=`."""
from __future__ import annotations


def cookie_value(header: str | None, name: str) -> str | None:
    """The value of the first cookie called `name` in a Cookie header (quotes around it removed), or None."""
    if not header:
        return None
    for pair in str(header).split(";"):
        key, sep, value = pair.partition("=")
        if sep and key.strip() == name:
            value = value.strip()
            return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    return None
