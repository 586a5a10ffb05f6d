"""Azure's errors: every one the emulator raises, and the wording of the service's 400s.
The classes live in ``base`` (what every error is), ``request`` (what the service refuses a
request for) and ``service`` (what it cannot answer now); they are all named here.

Every failure on the Azure surface is raised as an ``AzureError`` and becomes a response in
one place (``delivery.error_response``). The bodies are the ones the real service sends,
which differ from the spec in places (shared/reference/service.md, section 4):

    AzureError                      any Azure-surface failure: status, body, headers
    ├── AuthenticationFailed        401: no key, or a key that is not accepted
    ├── ResourceNotFound            404: unknown path or method, missing or unknown api-version
    ├── DeploymentNotFound          404: the deployment does not exist
    ├── NotFound                    404: a stored file, batch or response that does not exist
    ├── ModelNotFound               404: GET .../models/{id} for a model no deployment runs
    ├── RecordingNotFound           404: --replay has no recording of this request
    ├── ApiVersionNotSupported      400: the api-version lacks this operation
    ├── ApiVersionNotAllowedOnV1    400: a dated api-version on the v1 surface
    ├── ModelNeedsNewerApiVersion   400: the deployment's model is newer than the api-version
    ├── OperationNotSupported       400: the deployment's model does not serve the operation
    ├── InvalidRequest              400: a bad body; names the parameter in ``param``
    │   └── UnrecognizedArgument    400: a parameter this api-version does not have
    ├── PromptFiltered              400: the content filter blocks the prompt (chat, completions)
    ├── ImagePromptFiltered         400: the content filter blocks an image prompt or picture
    ├── RequestTooLarge             413: the body exceeds the size Azure's front door takes
    ├── RateLimited                 429: a deployment's quota is spent (tokens or calls)
    ├── Overloaded                  429 or 503: more requests in flight than a deployment's
    │                               timing profile holds (capacity and queue)
    ├── FineTuningRefused           400, 404, 429: the fine-tuning API's own shape (code and
    │                               message only): a bad job, an unknown one, a full queue
    ├── InternalServerError         500: an emulator bug, reported in Azure's shape
    ├── BadGateway                  502: a connection fault the server cannot carry out
    ├── UpstreamUnreachable         502: --record could not reach the real endpoint
    └── GatewayError                any other status a fault scenario asks for, with the
                                    body Azure's gateway sends for it

``for_status`` gives the error Azure sends for a bare status (what a scenario's ``error``
action answers). emulator/wording.py builds the ``InvalidRequest`` of each common problem
(missing, wrong type, not one of, out of range, too long), so every operation words them
alike.
"""

from __future__ import annotations

from .base import AzureError
from .request import (
    ApiVersionNotAllowedOnV1,
    ApiVersionNotSupported,
    AuthenticationFailed,
    DeploymentNotFound,
    FineTuningRefused,
    ImagePromptFiltered,
    InvalidRequest,
    ModelNeedsNewerApiVersion,
    ModelNotFound,
    NotFound,
    OperationNotSupported,
    PromptFiltered,
    RecordingNotFound,
    RequestTooLarge,
    ResourceNotFound,
    UnrecognizedArgument,
)
from .service import (
    STATUSES,
    BadGateway,
    GatewayError,
    InternalServerError,
    Overloaded,
    RateLimited,
    UpstreamUnreachable,
    for_status,
)

__all__ = [
    "ApiVersionNotAllowedOnV1",
    "ApiVersionNotSupported",
    "AuthenticationFailed",
    "AzureError",
    "BadGateway",
    "DeploymentNotFound",
    "FineTuningRefused",
    "GatewayError",
    "ImagePromptFiltered",
    "InternalServerError",
    "InvalidRequest",
    "ModelNeedsNewerApiVersion",
    "ModelNotFound",
    "NotFound",
    "OperationNotSupported",
    "Overloaded",
    "PromptFiltered",
    "RateLimited",
    "RecordingNotFound",
    "RequestTooLarge",
    "ResourceNotFound",
    "STATUSES",
    "UnrecognizedArgument",
    "UpstreamUnreachable",
    "for_status",
]
