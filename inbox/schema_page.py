"""`/schema`: the inbox's API described without anything from outside.

Litestar's viewers (Swagger, ReDoc, ...) load their scripts from public CDNs, so they are blank
offline and on hosts that may not reach the Internet. Instead: the OpenAPI document at
`/schema/openapi.json` (for any OpenAPI tool) and, at `/schema`, a plain HTML page rendered
here from that document: every route with its methods and summary. No script, no style sheet
from elsewhere.
"""

from __future__ import annotations

import html
from typing import Any

from litestar.connection import Request
from litestar.enums import MediaType
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class SchemaPage(OpenAPIRenderPlugin):
    """The page at `/schema`: routes listed from the OpenAPI document, no JavaScript."""

    def __init__(self) -> None:
        super().__init__(path="/", media_type=MediaType.HTML, favicon="", style="")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        info = openapi_schema.get("info") or {}
        title = html.escape(f"{info.get('title', 'API')} {info.get('version', '')}".strip())
        rows = []
        for path, operations in sorted((openapi_schema.get("paths") or {}).items()):
            for method in _METHODS:
                operation = operations.get(method) if isinstance(operations, dict) else None
                if not isinstance(operation, dict):
                    continue
                summary = str(operation.get("summary") or operation.get("description") or "")
                first_line = summary.strip().splitlines()[0] if summary.strip() else ""
                rows.append(f"<tr><td>{method.upper()}</td><td><code>{html.escape(path)}</code>"
                            f"</td><td>{html.escape(first_line)}</td></tr>")
        page = (
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{title}</title></head><body><h1>{title}</h1>"
            "<p>The OpenAPI document: <a href=\"/schema/openapi.json\">/schema/openapi.json</a>"
            " (open it in any OpenAPI viewer).</p>"
            "<table><thead><tr><th>Method</th><th>Path</th><th>What</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></body></html>"
        )
        return page.encode("utf-8")


def schema_plugins() -> list[OpenAPIRenderPlugin]:
    """The render plugins for `OpenAPIConfig`: the plain page and the JSON, nothing else."""
    return [SchemaPage(), JsonRenderPlugin()]
