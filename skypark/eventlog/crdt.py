"""A PN-counter (a grow-only counter of increments and one of decrements, each per
replica): merging takes the per-replica maximum, so it is commutative, associative and
idempotent, and every replica that has seen the same updates holds the same value."""


def pn_empty() -> dict:
    return {"p": {}, "n": {}}


def pn_merge(a: dict, b: dict) -> dict:
    return {
        part: {
            node: max(a.get(part, {}).get(node, 0), b.get(part, {}).get(node, 0))
            for node in set(a.get(part, {})) | set(b.get(part, {}))
        }
        for part in ("p", "n")
    }


def pn_value(state: dict) -> int:
    """The counter's value, never below zero (more exits than entries reported so far
    reads as empty, not negative)."""
    return max(0, sum(state.get("p", {}).values()) - sum(state.get("n", {}).values()))


def vector_clock(state: dict) -> dict:
    """Per replica, how many updates of it this state has seen."""
    nodes = set(state.get("p", {})) | set(state.get("n", {}))
    return {node: state.get("p", {}).get(node, 0) + state.get("n", {}).get(node, 0) for node in sorted(nodes)}
