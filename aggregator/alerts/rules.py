"""Alert rules, loaded from YAML and validated at start (the bad key is named)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kotacerdas.errors import UserFacingError

DEFAULT_RULES = Path(__file__).with_name("alert_rules.yaml")


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    kind: str
    indicator: str
    scope: Literal["sensor", "district", "city"]
    severity: Literal["info", "warning", "critical"]
    open_at: float
    close_below: float
    min_duration_s: int = Field(ge=0)
    message: str

    @model_validator(mode="after")
    def _hysteresis(self) -> Rule:
        if self.close_below > self.open_at:
            raise ValueError(f"rule {self.rule}: close_below must not exceed open_at")
        return self


class RuleFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    version: int
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class RuleSet:
    version: int
    rules: tuple[Rule, ...]

    @property
    def indicators(self) -> set[str]:
        return {r.indicator for r in self.rules}


def load_rules(path: Path = DEFAULT_RULES) -> RuleSet:
    try:
        parsed = RuleFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise UserFacingError(f"cannot read alert rules {path}: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise UserFacingError(f"invalid alert rules {path}: {problems}") from None
    names = [r.rule for r in parsed.rules]
    if len(set(names)) != len(names):
        raise UserFacingError(f"invalid alert rules {path}: rule names must be unique")
    return RuleSet(parsed.version, parsed.rules)
