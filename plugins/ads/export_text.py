"""The "text" export: the ad copy as a person reviews it, field by field, with each text's
size against the platform's limit, and the explicit AI label where the labels plugin put one."""

from __future__ import annotations

from typing import Any

from aigc_core.labelling import explicit_label, place

from .models import AdCopy, AdCopyInput


def export_text(output: AdCopy, data: AdCopyInput, result: Any) -> str:
    preset = data.preset
    lines = [f"{preset.title}: {data.product}"]
    for limit in preset.texts:
        lines += ["", f"{limit.field}, each at most {limit.max_size} in {preset.unit}:"]
        lines += [f"  {i}. {text}  [{preset.measure(text)}]"
                  for i, text in enumerate(getattr(output, limit.field), 1)]
    if output.path1:
        lines += ["", "display path: /" + "/".join(p for p in (output.path1, output.path2) if p)]
    label = explicit_label(result)
    lines = place(lines, [label.text] if label else [], label, gap=[""])
    return "\n".join(lines)
