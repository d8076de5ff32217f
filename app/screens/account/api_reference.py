"""The API reference: the generated OpenAPI document (app.api), drawn with GOV.UK
components for signed-in people. The API itself takes no cookies, so its reference lives
here, in the web app; no JavaScript, nothing from elsewhere (our CSP allows neither).

`reference_sections` turns the document into what the page shows: per tag, each
operation's method, path, summary, description, scope, parameters, body fields and
responses. $refs are followed here so the template only draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, render_template
from flask.typing import ResponseReturnValue

from app.screens.account import blueprint
from app.security.api_tokens import SCOPE_DESCRIPTIONS, SCOPES_BY_ROLE
from app.web.openapi import openapi_document
from app.web.problems import all_problem_types

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Item:
    """A parameter, a body field or a response, as one row of a summary list."""

    name: str
    detail: str
    required: bool = False


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    scopes: list[str]
    anchor: str
    parameters: list[Item] = field(default_factory=list)
    body: list[Item] = field(default_factory=list)
    responses: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    tag: str
    description: str
    operations: list[Operation]


def _resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow a local $ref ("#/components/...") to what it names."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _type_of(document: dict[str, Any], schema: Any) -> str:
    """A schema's type in a few words: "string (date)", "array of Decision", "integer or null"."""
    if isinstance(schema, dict) and "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    schema = _resolve(document, schema) or {}
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        words = " or ".join(str(k) for k in kind)
    elif kind == "array":
        words = "array of " + _type_of(document, schema.get("items", {}))
    else:
        words = str(kind)
    if "format" in schema:
        words += f" ({schema['format']})"
    if "enum" in schema:
        words += ": one of " + ", ".join(str(value) for value in schema["enum"])
    return words


def _describe(document: dict[str, Any], schema: dict[str, Any]) -> str:
    schema = _resolve(document, schema) or {}
    words = [_type_of(document, schema)]
    if schema.get("maxLength"):
        words.append(f"At most {schema['maxLength']:,} characters")
    if schema.get("description"):
        words.append(str(schema["description"]))
    return ". ".join(words)


def _operation(document: dict[str, Any], path: str, method: str, spec: dict[str, Any]) -> Operation:
    parameters = [
        Item(
            f"{p['name']} ({p['in']})",
            _describe(document, {**p.get("schema", {}), "description": p.get("description", "")}),
            bool(p.get("required")),
        )
        for p in (
            _resolve(document, p)
            for p in [*document["paths"][path].get("parameters", []), *spec.get("parameters", [])]
        )
    ]
    body: list[Item] = []
    content = _resolve(document, spec.get("requestBody", {})).get("content", {})
    for media in content.values():
        schema = _resolve(document, media.get("schema", {}))
        required = set(schema.get("required", []))
        body = [
            Item(name, _describe(document, prop), name in required)
            for name, prop in schema.get("properties", {}).items()
        ]
    responses = []
    for status, response in spec.get("responses", {}).items():
        response = _resolve(document, response)
        types = ", ".join(response.get("content", {})) or "no body"
        responses.append(Item(str(status), f"{response.get('description', '')} ({types})"))
    scopes = [scope for need in spec.get("security", []) for scope in need.get("bearerAuth", [])]
    return Operation(
        method=method.upper(),
        path=path,
        summary=spec.get("summary", ""),
        description=spec.get("description", ""),
        scopes=scopes,
        anchor=f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "").strip("-"),
        parameters=parameters,
        body=body,
        responses=responses,
    )


def reference_sections(document: dict[str, Any]) -> list[Section]:
    """The document's operations grouped by tag, in the tags' order."""
    by_tag: dict[str, list[Operation]] = {tag["name"]: [] for tag in document.get("tags", [])}
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                spec = item[method]
                for tag in spec.get("tags", ["other"]):
                    by_tag.setdefault(tag, []).append(_operation(document, path, method, spec))
    descriptions = {tag["name"]: tag.get("description", "") for tag in document.get("tags", [])}
    return [
        Section(tag, descriptions.get(tag, ""), operations)
        for tag, operations in by_tag.items()
        if operations
    ]


@blueprint.get("/api-reference")
def api_reference() -> ResponseReturnValue:
    document = openapi_document(current_app._get_current_object())  # type: ignore[attr-defined]
    return render_template(
        "account/api_reference.html",
        document=document,
        sections=reference_sections(document),
        problems=all_problem_types(),
        scopes=SCOPE_DESCRIPTIONS,
        roles={
            scope: sorted(str(role) for role, held in SCOPES_BY_ROLE.items() if scope in held)
            for scope in SCOPE_DESCRIPTIONS
        },
    )
