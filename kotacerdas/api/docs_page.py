"""The HTML docs page, written from the OpenAPI document itself (pure: dict → HTML).

Why not Swagger UI or ReDoc: FastAPI loads them from a CDN, and the one PyPI bundle
(swagger-ui-bundle 1.1.0, 2023) ships an old Swagger UI; a public page must work with no
network beyond the API and under a script-free Content-Security-Policy. This page lists
every operation with its parameters (type, constraints, description) and responses,
and links the machine-readable ``/openapi.json``; it cannot drift from the API because
it is generated from the same document on every start.
"""

from __future__ import annotations

from html import escape
from typing import Any


def _schema(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " | ".join(_schema(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    text = str(schema.get("type", schema.get("$ref", "").rsplit("/", 1)[-1] or "any"))
    if schema.get("format"):
        text += f" ({schema['format']})"
    limits = [f"{k} {schema[k]}" for k in ("minimum", "maximum", "maxLength", "pattern")
              if k in schema]  # fmt: skip
    if limits:
        text += " — " + ", ".join(limits)
    return text


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
        f"<td>{'yes' if p.get('required') else ''}</td>"
        f"<td><code>{escape(_schema(p.get('schema', {})))}</code></td>"
        f"<td>{escape(p.get('description', p.get('schema', {}).get('description', '')))}</td>"
        f"</tr>"
        for p in op.get("parameters", [])
    )
    params = (
        "<table><tr><th>parameter</th><th>in</th><th>required</th><th>type</th>"
        f"<th>description</th></tr>{rows}</table>" if rows else ""
    )  # fmt: skip
    statuses = ", ".join(
        f"<b>{escape(code)}</b> {escape(r.get('description', ''))}"
        for code, r in op.get("responses", {}).items()
    )
    anchor = escape(op.get("operationId", path))
    return (
        f'<section id="{anchor}"><h3><span class="m">{method.upper()}</span> '
        f"<code>{escape(path)}</code></h3><p>{escape(op.get('summary', ''))}</p>"
        f"{params}<p class=r>{statuses}</p></section>"
    )


def render(openapi: dict[str, Any]) -> str:
    info = openapi.get("info", {})
    body = "".join(
        _operation(path, method, op)
        for path, ops in openapi.get("paths", {}).items()
        for method, op in ops.items()
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<link rel="icon" href="data:,"><title>{escape(info.get("title", "API"))}</title>
<style>body{{font-family:Arial,sans-serif;margin:24px;max-width:1100px;color:#1c2733}}
table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ddd;padding:3px 6px;
text-align:left}}.m{{background:#1b3a5c;color:#fff;padding:1px 6px;border-radius:4px}}
.r{{font-size:12px;color:#5d6b7a}}section{{border-top:1px solid #e3e8ee;padding-top:6px}}
</style></head><body><h1>{escape(info.get("title", "API"))} {escape(info.get("version", ""))}</h1>
<p>{escape(info.get("description", ""))}</p>
<p>OpenAPI {escape(openapi.get("openapi", ""))}: <a href="/openapi.json">/openapi.json</a></p>
{body}</body></html>"""
