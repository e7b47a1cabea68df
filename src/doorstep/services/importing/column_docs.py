"""The columns of every import file as text: the command line's ``--help`` and the
README's tables (:mod:`.columns` holds them; a summary or a help written here is its
English)."""

from __future__ import annotations

from doorstep.services.importing.columns import IMPORTS, EntitySchema


def describe(schema: EntitySchema) -> str:
    """A plain-text table of the columns, for ``--help`` and the README."""
    lines = [f"{schema.entity}: {schema.summary}", ""]
    for c in schema.columns:
        need = "required" if c.required else "optional"
        lines.append(f"  {c.name:<20} {c.kind.value:<12} {need:<9} {c.help}")
    return "\n".join(lines)


def markdown() -> str:
    """The column tables of every import file, as the README shows them."""
    parts = []
    for s in IMPORTS.values():
        parts.append(f"**{s.entity}** — {s.summary} Key: `{'`, `'.join(s.keys)}`.\n")
        parts.append("| column | type | required | meaning |")
        parts.append("| --- | --- | --- | --- |")
        for c in s.columns:
            extra = f" (one of: {', '.join(c.choices)})" if c.choices else ""
            default = (
                ""
                if c.default is None
                else f"; empty: {f'`{c.default}`' if c.default else 'none'} for a new row, "
                "unchanged for a stored one"
            )
            need = "yes" if c.required else "no"
            if c.may_be_empty:
                need = "yes (may be empty)"
            parts.append(f"| `{c.name}` | {c.kind.value} | {need} | {c.help}{extra}{default} |")
        parts.append("")
    return "\n".join(parts)
