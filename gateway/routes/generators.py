"""``GET /v1/generators``: what this key may run, with input and output JSON schemas."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import CallerDep, GatewayDep
from ..errors import documented
from ..models import GeneratorInfo, GeneratorList

router = APIRouter(prefix="/v1", tags=["generators"])


@router.get("/generators", summary="Generators this key may use",
            responses=documented(401, 429, 503))
def list_generators(gateway: GatewayDep, caller: CallerDep) -> GeneratorList:
    engine = gateway.client.engine
    infos = []
    for name in sorted(engine.generators):
        registered = engine.generators[name]
        generator = registered.generator
        if not caller.may_use(name):
            continue
        infos.append(GeneratorInfo(
            name=name, plugin=registered.plugin, description=generator.description,
            input_schema=generator.input_model.model_json_schema(),
            output_schema=(generator.output_model.model_json_schema()
                           if generator.output_model else {"type": "string"}),
            formats=sorted(generator.exporters),
        ))
    return GeneratorList(generators=infos)
