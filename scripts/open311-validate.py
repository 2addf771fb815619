#!/usr/bin/env python3
"""Validates Open311 GeoReport v2 documents against the official schemas.

usage: scripts/open311-validate.py [--print-json] KIND FORMAT FILE...
  KIND    discovery | services | service_definition | requests | created | tokens | errors
  FORMAT  xml | json
  --print-json  also print each document as the JSON instance that was validated,
                one line per file on stdout (the report then goes to stderr)

Exit status: 0 when every file is valid, 1 when any is not (every violation is
printed), 2 when the validator cannot run (missing packages or schemas).

The official schemas are the JSON Schemas of github.com/open311/schema-validation,
schema/georeport-v2/ (commit 47e06a443f3620b51d7dfb107e1b4d39898d7a1a): request.json,
requests.json, service.json, services.json, service-definition.json and swagger.json.
That repository has no licence, so they are not vendored: point OPEN311_SCHEMA_DIR at
a directory holding them (else tests/open311-schemas/schema/georeport-v2/, then
target/open311-schemas/georeport-v2/ from scripts/open311-schemas.sh, are tried).
See tests/open311-schemas/README.md.

What is checked, per KIND (every check that applies must pass):
  services            services.json (+ service.json); swagger.json GET /services
  service_definition  service-definition.json; swagger.json GET /services/{service_code}
  requests            requests.json (+ request.json); swagger.json GET /requests
  created             swagger.json POST /requests (array of RequestResponse)
  tokens              swagger.json definitions/TokenResponse, as an array (swagger's
                      /tokens path answers one object; the specification's text and
                      example answer an array of service_requests/request)
  discovery           no official schema exists: SPEC-DERIVED schema below, from
                      wiki.open311.org/Service_Discovery ("All fields are required")
  errors              no official schema exists: SPEC-DERIVED schema below, from the
                      "Errors" section of wiki.open311.org/GeoReport_v2
Formats "date-time" (RFC 3339) and "uri" (RFC 3986) are enforced; the validator
refuses to run when the packages that check them are missing.

JSON files must be UTF-8 JSON without NaN/Infinity or repeated keys. XML files must
start with the declaration <?xml version="1.0" encoding="utf-8"?>, be well-formed
XML 1.0 without namespaces, and have the root element the specification names. The
official repository has no XSD, so XML is validated by mapping it to JSON the way
the specification prescribes (the "Spark" convention: a container element of one
repeated child is an array, an element with children an object, an empty element
null) and validating that against the same schemas; booleans and numbers are read
from the text where the schema wants them.
"""

import hashlib
import json
import math
import os
import re
import sys
import xml.etree.ElementTree as ET

SETUP_HINT = "run scripts/setup.sh --test (it installs the pinned Python packages)"
UPSTREAM_COMMIT = "47e06a443f3620b51d7dfb107e1b4d39898d7a1a"


def die(message):
    print(f"open311-validate: {message}", file=sys.stderr)
    sys.exit(2)


try:
    import jsonschema
    import referencing
    import referencing.jsonschema
except ImportError as e:
    die(f"a Python package is missing ({e}): {SETUP_HINT}")

FORMAT_CHECKER = jsonschema.Draft4Validator.FORMAT_CHECKER
for fmt, bad in (("date-time", "2026-12-02 09:30"), ("uri", "no scheme")):
    # jsonschema silently skips a format whose checker package is absent.
    if fmt not in FORMAT_CHECKER.checkers or FORMAT_CHECKER.conforms(bad, fmt):
        die(f'format "{fmt}" is not enforced (rfc3339-validator / rfc3986-validator missing): {SETUP_HINT}')

# Element names of list items, for the XML mapping (a container of one repeated
# child): the specification's names.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

# SPEC-DERIVED, not official: wiki.open311.org/Service_Discovery, "Fields for All
# Versions" (all fields required; type is production or test; formats are MIME types).
DISCOVERY_SCHEMA = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": {"type": "string", "minLength": 1},
        "contact": {"type": "string", "minLength": 1},
        "key_service": {"type": "string", "minLength": 1},
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"type": "string", "format": "uri"},
                    "url": {"type": "string", "format": "uri"},
                    "changeset": {"type": "string", "minLength": 1},
                    "type": {"type": "string", "enum": ["production", "test"]},
                    "formats": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "string",
                            "pattern": "^[a-z]+/[a-z0-9.+-]+$",
                        },
                    },
                },
            },
        },
    },
}

# SPEC-DERIVED, not official: wiki.open311.org/GeoReport_v2, "Errors" (an array of
# errors, each with a numeric code and a human readable description).
ERRORS_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {
            "code": {"type": "integer"},
            "description": {"type": "string", "minLength": 1},
        },
    },
}


def schema_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = []
    if os.environ.get("OPEN311_SCHEMA_DIR"):
        candidates.append(os.environ["OPEN311_SCHEMA_DIR"])
    candidates.append(os.path.join(here, "..", "tests", "open311-schemas", "schema", "georeport-v2"))
    # Where scripts/open311-schemas.sh puts them from a local clone.
    candidates.append(os.path.join(here, "..", "target", "open311-schemas", "georeport-v2"))
    for d in candidates:
        if os.path.isfile(os.path.join(d, "swagger.json")):
            return os.path.abspath(d)
    die(
        "the official GeoReport v2 schemas were not found (looked in: "
        + ", ".join(candidates)
        + "). They are not vendored (the upstream repository has no licence): set "
        + "OPEN311_SCHEMA_DIR to a directory holding schema/georeport-v2/*.json of "
        + f"github.com/open311/schema-validation at {UPSTREAM_COMMIT}; see "
        + "tests/open311-schemas/README.md"
    )


# SHA-256 of the files at UPSTREAM_COMMIT: another version is used, with a warning.
UPSTREAM_SHA256 = {
    "request.json": "0491c947b970e245dbbf310480dba4929fd30965e2fb92560aa40ecefcf1c8ba",
    "requests.json": "21d5e0c7786a80045eec0137598c24746d7e6a2c9875c647433998e5962c61f5",
    "service-definition.json": "7fd24252050788877aa14671b64fd2b80c49e691a8ca57126160bd09948e9eb8",
    "service.json": "3b46ef5fffec98b3638873f45dc6a675d051bf097119114414be08eac39ab961",
    "services.json": "e97115ff427221f21b704edf042dddd96c7b21856689e0c0cd6e59350969dce2",
    "swagger.json": "9edb46bf694d1a7d673a0767f526e4da5209d97925c5bbdeac22e5ace04ef767",
}


def load_json(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
        digest = hashlib.sha256(raw).hexdigest()
        expected = UPSTREAM_SHA256.get(os.path.basename(path))
        if expected and digest != expected:
            print(
                f"open311-validate: warning: {path} differs from upstream commit {UPSTREAM_COMMIT}",
                file=sys.stderr,
            )
        return json.loads(raw.decode("utf-8"))
    except (OSError, ValueError) as e:
        die(f"cannot read schema {path}: {e}")


class Checks:
    """Per kind: the XML root name and the checks, each (label, the schema file it
    is, or None, schema). Also resolves schema nodes for the XML mapping."""

    def __init__(self, directory):
        self.dir = directory
        self.files = {}
        swagger = self.file("swagger.json")
        self.swagger_definitions = swagger.get("definitions", {})

        def path_schema(path, method):
            try:
                return swagger["paths"][path][method]["responses"]["200"]["schema"]
            except KeyError:
                die(f"swagger.json has no 200 schema for {method.upper()} {path}")

        def swagger_root(node):
            # The path's schema, with swagger's definitions beside it, so that
            # "#/definitions/…" resolves within it.
            return dict(node, definitions=self.swagger_definitions)

        def official(name):
            doc = self.file(name)
            return (f"{name} (official)", name, doc)

        def swag(label, node):
            root = swagger_root(node)
            return (f"swagger.json {label} (official)", None, root)

        self.kinds = {
            "services": (
                "services",
                [
                    official("services.json"),
                    swag("GET /services", path_schema("/services.{response_format}", "get")),
                ],
            ),
            "service_definition": (
                "service_definition",
                [
                    official("service-definition.json"),
                    swag(
                        "GET /services/{service_code}",
                        path_schema("/services/{service_code}.{response_format}", "get"),
                    ),
                ],
            ),
            "requests": (
                "service_requests",
                [
                    official("requests.json"),
                    swag("GET /requests", path_schema("/requests.{response_format}", "get")),
                ],
            ),
            "created": (
                "service_requests",
                [swag("POST /requests", path_schema("/requests.{response_format}", "post"))],
            ),
            "tokens": (
                "service_requests",
                [
                    swag(
                        "definitions/TokenResponse as an array",
                        {"type": "array", "items": {"$ref": "#/definitions/TokenResponse"}},
                    )
                ],
            ),
            "discovery": (
                "discovery",
                [("discovery schema (SPEC-DERIVED, no official schema exists)", None, DISCOVERY_SCHEMA)],
            ),
            "errors": (
                "errors",
                [("errors schema (SPEC-DERIVED, no official schema exists)", None, ERRORS_SCHEMA)],
            ),
        }
        resources = [
            (name, referencing.jsonschema.DRAFT4.create_resource(doc))
            for name, doc in self.files.items()
        ]
        # Every schema file that may be referred to by name ("service.json").
        for name in ("service.json", "request.json"):
            if name not in self.files:
                resources.append(
                    (name, referencing.jsonschema.DRAFT4.create_resource(self.file(name)))
                )
        self.registry = referencing.Registry().with_resources(resources)

    def file(self, name):
        if name not in self.files:
            self.files[name] = load_json(os.path.join(self.dir, name))
        return self.files[name]

    def validator(self, base, schema):
        # The schemas carry no $schema; they are draft 4 (swagger 2.0's dialect).
        if base is not None:
            schema = dict(schema, id=base)
        return jsonschema.Draft4Validator(
            schema, registry=self.registry, format_checker=FORMAT_CHECKER
        )

    # --- resolving schema nodes, for the XML mapping ---------------------------
    def deref(self, root, node, depth=0):
        while isinstance(node, dict) and "$ref" in node and depth < 20:
            ref = node["$ref"]
            target, _, pointer = ref.partition("#")
            if target:
                root = self.file(target)
            node = root
            for part in [p for p in pointer.split("/") if p]:
                part = part.replace("~1", "/").replace("~0", "~")
                node = node.get(part, {}) if isinstance(node, dict) else {}
            depth += 1
        return root, node if isinstance(node, dict) else {}

    def types(self, root, node):
        root, node = self.deref(root, node)
        out = set()
        t = node.get("type")
        if isinstance(t, str):
            out.add(t)
        elif isinstance(t, list):
            out.update(t)
        if "properties" in node or "required" in node:
            out.add("object")
        if "items" in node:
            out.add("array")
        for key in ("anyOf", "oneOf", "allOf"):
            for branch in node.get(key, []):
                out |= self.types(root, branch)
        return out

    def sub(self, root, node, key):
        """The schema of property `key` (or of the items when key is None)."""
        root, node = self.deref(root, node)
        found = []
        branches = [node] + [b for k in ("anyOf", "oneOf", "allOf") for b in node.get(k, [])]
        for b in branches:
            r, b = self.deref(root, b)
            if key is None and "items" in b:
                found.append((r, b["items"]))
            elif key is not None and key in b.get("properties", {}):
                found.append((r, b["properties"][key]))
        return found[0] if found else (root, {})


def xml_to_instance(checks, elem, root, node, where, problems):
    """Maps an XML element to JSON (Spark convention), guided by the schema."""
    types = checks.types(root, node)
    children = list(elem)
    text = elem.text or ""
    for c in children:
        if (c.tail or "").strip():
            problems.append(f"{where}: text between elements (mixed content)")
    if "array" in types:
        if text.strip():
            problems.append(f"{where}: a list element holds text")
        item = ITEM_NAMES.get(elem.tag)
        r, n = checks.sub(root, node, None)
        out = []
        for i, c in enumerate(children):
            if item is not None and c.tag != item:
                problems.append(f"{where}: <{c.tag}> where the list holds <{item}>")
            out.append(xml_to_instance(checks, c, r, n, f"{where}/{c.tag}[{i + 1}]", problems))
        return out
    if "object" in types or (children and not types):
        if text.strip():
            problems.append(f"{where}: an element with child elements holds text")
        out = {}
        for c in children:
            if c.tag in out:
                problems.append(f"{where}: <{c.tag}> repeated")
            r, n = checks.sub(root, node, c.tag)
            out[c.tag] = xml_to_instance(checks, c, r, n, f"{where}/{c.tag}", problems)
        return out
    if children:
        problems.append(f"{where}: expected text, found child elements")
        return None
    if text == "":
        return None  # Spark: an empty element is null
    if "string" in types:
        return text
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    if "integer" in types and re.fullmatch(r"-?(0|[1-9][0-9]*)", text):
        return int(text)
    if "number" in types and re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?", text):
        value = float(text)
        if math.isfinite(value):
            return value
    return text


# What read_xml / read_json answer for a file that could not be read as a document.
UNREADABLE = object()

XML_DECLARATION = re.compile(rb'^<\?xml version="1\.0" encoding="utf-8"\?>', re.IGNORECASE)


def read_xml(checks, path, kind, problems):
    root_name, schemas = checks.kinds[kind]
    with open(path, "rb") as f:
        raw = f.read()
    if not XML_DECLARATION.match(raw):
        problems.append('does not start with <?xml version="1.0" encoding="utf-8"?>')
    try:
        doc = ET.fromstring(raw)
    except ET.ParseError as e:
        problems.append(f"not well-formed XML: {e}")
        return UNREADABLE
    if doc.tag.startswith("{"):
        problems.append(f"the root element has a namespace: {doc.tag}")
    if doc.tag != root_name:
        problems.append(f"the root element is <{doc.tag}>, not <{root_name}>")
        return UNREADABLE
    _, base, schema = schemas[0]
    root = checks.file(base) if base else schema
    return xml_to_instance(checks, doc, root, root, f"/{doc.tag}", problems)


def read_json(path, problems):
    def no_constants(name):
        raise ValueError(f"{name} is not JSON")

    def no_repeats(pairs):
        keys = [k for k, _ in pairs]
        for k in set(keys):
            if keys.count(k) > 1:
                problems.append(f"key {k!r} repeated in an object")
        return dict(pairs)

    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
        return json.loads(text, parse_constant=no_constants, object_pairs_hook=no_repeats)
    except (UnicodeDecodeError, ValueError) as e:
        problems.append(f"not UTF-8 JSON: {e}")
        return UNREADABLE


def main(argv):
    args = list(argv)
    print_json = "--print-json" in args
    args = [a for a in args if a != "--print-json"]
    if len(args) < 3:
        die(__doc__.split("\n\n")[1].strip())
    kind, fmt, files = args[0], args[1], args[2:]
    checks = Checks(schema_dir())
    if kind not in checks.kinds:
        die(f"unknown KIND {kind!r}: one of {', '.join(checks.kinds)}")
    if fmt not in ("xml", "json"):
        die(f"unknown FORMAT {fmt!r}: xml or json")
    report = sys.stderr if print_json else sys.stdout
    _, schemas = checks.kinds[kind]
    failed = 0
    for path in files:
        problems = []
        try:
            if fmt == "xml":
                instance = read_xml(checks, path, kind, problems)
            else:
                instance = read_json(path, problems)
        except OSError as e:
            die(f"cannot read {path}: {e}")
        if instance is not UNREADABLE:
            for label, base, schema in schemas:
                errors = sorted(
                    checks.validator(base, schema).iter_errors(instance),
                    key=lambda e: list(map(str, e.absolute_path)),
                )
                for e in errors:
                    line = f"{label}: at {e.json_path}: {e.message}"
                    for sub in e.context or []:
                        line += f"\n      - {sub.json_path}: {sub.message}"
                    problems.append(line)
        if print_json:
            shown = None if instance is UNREADABLE else instance
            print(json.dumps(shown, ensure_ascii=False, allow_nan=False))
        if problems:
            failed += 1
            print(f"{path}: INVALID ({kind}, {fmt})", file=report)
            for p in problems:
                print(f"  - {p}", file=report)
        else:
            labels = "; ".join(label for label, _, _ in schemas)
            print(f"{path}: ok ({kind}, {fmt}: {labels})", file=report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
