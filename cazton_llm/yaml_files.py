"""Reading the YAML files people write (the pipeline config, training recipes, price lists) with PyYAML's safe
loader plus one limit: aliases may repeat a node, but the document they describe, every alias expanded, holds at
most `MAX_EXPANDED_NODES` nodes, and no alias refers to a node that contains it. A "billion laughs" file of a
few hundred bytes (aliases of aliases) is refused while it is read, before anything walks the values it would
expand to."""

from __future__ import annotations

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, SequenceNode

MAX_EXPANDED_NODES = 100_000  # a pipeline config has a few hundred


class AliasBombError(ComposerError):
    def __str__(self) -> str:
        return self.problem


class BoundedSafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader that counts each node with its aliases expanded."""

    def __init__(self, stream):
        super().__init__(stream)
        self.expanded_sizes: dict[int, int] = {}  # id(node) -> its node count with aliases expanded

    def compose_node(self, parent, index):
        is_alias = self.check_event(AliasEvent)
        node = super().compose_node(parent, index)
        if is_alias:
            if id(node) not in self.expanded_sizes:  # still being composed: the alias is inside its anchor
                raise AliasBombError(problem="an alias refers to a node that contains it (a recursive alias)")
            return node
        if isinstance(node, SequenceNode):
            children = node.value
        elif isinstance(node, MappingNode):
            children = [child for pair in node.value for child in pair]
        else:
            children = []
        size = 1 + sum(self.expanded_sizes[id(child)] for child in children)
        if size > MAX_EXPANDED_NODES:
            raise AliasBombError(
                problem=f"its aliases expand to more than {MAX_EXPANDED_NODES:,} values (aliases of aliases, "
                "a 'billion laughs' file?): write the values out, or alias only plain values"
            )
        self.expanded_sizes[id(node)] = size
        return node


def load_yaml(text: str):
    """The value of one YAML document, read safely and within the alias limit (a yaml.YAMLError otherwise)."""
    return yaml.load(text, Loader=BoundedSafeLoader)
