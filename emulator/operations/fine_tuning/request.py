"""What a fine-tuning create request asks for, checked as the service checks it before a job
exists: the base model trains by the method asked, the training and validation files exist with
purpose fine-tune, the hyperparameters are in range, the suffix and trainingType are ones it
takes. Checks worded as the inference API words them raise ``InvalidRequest``; the route turns
them into the fine-tuning API's shape."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from ... import ids, synth
from ...errors import FineTuningRefused, InvalidRequest
from ...fine_tuning import catalog
from ...wording import invalid_type, missing_parameter, out_of_range, string_too_long
from .. import fields

if TYPE_CHECKING:
    from ...context import RequestContext

_SUFFIX = re.compile(r"[A-Za-z0-9_-]+")


def job_asked(ctx: RequestContext, body: Any) -> tuple[dict[str, Any], catalog.Trainable]:
    """The job a create request asks for, checked; its training data is checked once it runs."""
    if not isinstance(body, dict):
        raise invalid_type("body", "an object", body)
    model = fields.required(body, "model")
    if not isinstance(model, str):
        raise invalid_type("model", "a string", model)
    training_file = fields.required(body, "training_file")
    if not isinstance(training_file, str):
        raise invalid_type("training_file", "a string", training_file)
    base = catalog.trainable(model)
    if base is None:
        raise FineTuningRefused("The specified base model does not support fine-tuning.")
    method = _method(body, base)
    suffix = body.get("suffix")
    if suffix is not None:
        if not isinstance(suffix, str):
            raise invalid_type("suffix", "a string", suffix)
        most = int(catalog.data()["suffix_max_length"])
        if len(suffix) > most:
            raise string_too_long("suffix", most, len(suffix))
        if not _SUFFIX.fullmatch(suffix):
            raise FineTuningRefused("The suffix can contain only the characters a-z, A-Z, 0-9, - and _.")
    seed = body.get("seed")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise invalid_type("seed", "an integer", seed)
        fields.int_range("seed", seed, 0, 2**31 - 1)
    training_type = _training_type(body.get("trainingType", body.get("training_type")))
    metadata = fields.metadata(body.get("metadata"))
    training = _file(ctx, body, "training_file")
    validation = _file(ctx, body, "validation_file")
    if method["type"] == "reinforcement" and validation is None:
        raise FineTuningRefused("Reinforcement fine-tuning needs a validation file as well as a training file.")
    job_id = f"ftjob-{ids.hex32()}"
    chosen = method[method["type"]]["hyperparameters"]
    job: dict[str, Any] = {
        "id": job_id,
        "object": "fine_tuning.job",
        "created_at": int(time.time()),
        "error": None,
        "estimated_finish": None,
        "fine_tuned_model": None,
        "finished_at": None,
        # Until the job has read its data, "auto" shows as -1 (and the default multiplier).
        "hyperparameters": {
            "batch_size": _or(chosen.get("batch_size"), -1),
            "learning_rate_multiplier": _or(
                chosen.get("learning_rate_multiplier"), catalog.data()["auto"]["default_learning_rate_multiplier"]
            ),
            "n_epochs": _or(chosen.get("n_epochs"), -1),
        },
        "integrations": body.get("integrations"),
        "metadata": metadata,
        "method": method,
        "model": base.full_name,
        "organization_id": None,
        "result_files": None,
        "seed": seed if seed is not None else synth.derive_seed(ctx.run_seed, job_id) % 2**31,
        "status": "pending",
        "suffix": suffix,
        "trained_tokens": None,
        "training_file": training,
        "validation_file": validation,
    }
    if training_type is not None:
        job["trainingType"] = training_type
    return job, base


def _or(value: Any, instead: Any) -> Any:
    return instead if value in (None, "auto") else value


def _training_type(value: Any) -> str | None:
    """Azure's trainingType, any case, as Azure writes it back (globalStandard)."""
    if value is None:
        return None
    known: dict[str, str] = {str(t).lower(): str(t) for t in catalog.data()["training_types"]}
    if not isinstance(value, str) or value.lower() not in known:
        raise FineTuningRefused(
            f"The trainingType {value!r} is not one of {', '.join(catalog.data()['training_types'])}."
        )
    return known[value.lower()]


def _file(ctx: RequestContext, body: dict[str, Any], param: str) -> str | None:
    file_id = body.get(param)
    if file_id is None:
        return None
    if not isinstance(file_id, str):
        raise invalid_type(param, "a string", file_id)
    found = ctx.services.files.get(file_id) if ctx.services is not None else None
    if found is None:
        raise FineTuningRefused(
            f"The specified {param.replace('_', ' ')} '{file_id}' does not exist. Upload it to Files with purpose "
            f"'fine-tune' first."
        )
    if found.purpose != "fine-tune":
        raise FineTuningRefused(
            f"The file {file_id} has purpose '{found.purpose}'; fine-tuning needs a file uploaded with purpose "
            f"'fine-tune'."
        )
    return found.id


def _hyperparameters(values: Any, method: str, where: str) -> dict[str, Any]:
    """Each hyperparameter "auto" or in its range (data/fine_tuning.yaml), for the method."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise invalid_type(where, "an object", values)
    rules = catalog.data()["hyperparameters"]
    for name, value in values.items():
        param = f"{where}.{name}"
        rule = rules.get(name)
        if rule is None or method not in rule.get("methods", ("supervised", "dpo", "reinforcement")):
            raise InvalidRequest(f"Unknown hyperparameter for {method} fine-tuning: {name}.", param=param, code=None)
        if value == "auto":
            continue
        if rule["type"] == "string":
            fields.one_of(param, value, rule["enum"])
            continue
        number = (int,) if rule["type"] == "integer" else (int, float)
        if isinstance(value, bool) or not isinstance(value, number):
            raise invalid_type(
                param, "an integer or 'auto'" if rule["type"] == "integer" else "a number or 'auto'", value
            )
        if "minimum" in rule and value < rule["minimum"]:
            raise out_of_range(param, value, below=rule["minimum"])
        if "exclusive_minimum" in rule and value <= rule["exclusive_minimum"]:
            raise out_of_range(param, value, below=rule["exclusive_minimum"], inclusive=False)
        if value > rule["maximum"]:
            raise out_of_range(param, value, above=rule["maximum"])
    return dict(values)


def _method(body: dict[str, Any], base: catalog.Trainable) -> dict[str, Any]:
    """The ``method`` block (or the older top-level ``hyperparameters``, supervised), checked
    against what the base model trains by."""
    given = body.get("method")
    if given is None:
        kind, settings = (
            "supervised",
            {"hyperparameters": _hyperparameters(body.get("hyperparameters"), "supervised", "hyperparameters")},
        )
    else:
        if not isinstance(given, dict):
            raise invalid_type("method", "an object", given)
        kind = fields.required(given, "type", "method")
        fields.one_of("method.type", kind, ("supervised", "dpo", "reinforcement"))
        settings = given.get(kind) or {}
        if not isinstance(settings, dict):
            raise invalid_type(f"method.{kind}", "an object", settings)
        settings = {
            **settings,
            "hyperparameters": _hyperparameters(
                settings.get("hyperparameters"), kind, f"method.{kind}.hyperparameters"
            ),
        }
        if body.get("hyperparameters") is not None:
            raise InvalidRequest(
                "Give hyperparameters in the method block or at the top level, not both.",
                param="hyperparameters",
                code="invalid_parameter_combination",
            )
        if kind == "reinforcement" and not isinstance(settings.get("grader"), dict):
            raise missing_parameter("method.reinforcement.grader")
    if kind not in base.methods:
        raise InvalidRequest(
            f"The model {base.full_name} does not support {kind} fine-tuning; it supports {', '.join(base.methods)}.",
            param="method.type" if given is not None else "model",
            code="invalidPayload",
        )
    return {"type": kind, kind: settings}
