"""Walking the OpenAPI document: every schema node under a starting point, with $refs
followed once each."""


def resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = document["components"]["schemas"][name]
    return node


def nodes(document: dict, start: dict, where: str):
    """(place, node) for `start` and every schema inside it."""
    seen = set()
    stack = [(where, start)]
    while stack:
        place, node = stack.pop()
        if "$ref" in node:
            if node["$ref"] in seen:
                continue
            seen.add(node["$ref"])
            node = resolve(document, node)
        yield place, node
        for name, child in node.get("properties", {}).items():
            stack.append((f"{place}.{name}", child))
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                stack.append((f"{place}[]", node[key]))
        for key in ("allOf", "anyOf", "oneOf"):
            for index, child in enumerate(node.get(key, [])):
                stack.append((f"{place}<{index}>", child))


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield f"{method.upper()} {path}", item.get("parameters", []) + operation.get("parameters", []), operation


def request_nodes(document: dict):
    """Every schema node a client sends: parameters and request bodies."""
    for name, parameters, operation in operations(document):
        for parameter in parameters:
            yield from nodes(document, parameter["schema"], f"{name} {parameter['in']}:{parameter['name']}")
        for media, content in operation.get("requestBody", {}).get("content", {}).items():
            yield from nodes(document, content["schema"], f"{name} body")


def response_nodes(document: dict):
    for name, _, operation in operations(document):
        for status, response in operation.get("responses", {}).items():
            if "$ref" in response:
                response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
            for media, content in response.get("content", {}).items():
                if "schema" in content:
                    yield from nodes(document, content["schema"], f"{name} {status}")
