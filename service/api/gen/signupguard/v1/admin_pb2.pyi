from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ModelRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODEL_ROLE_UNSPECIFIED: _ClassVar[ModelRole]
    MODEL_ROLE_LIVE: _ClassVar[ModelRole]
    MODEL_ROLE_SHADOW: _ClassVar[ModelRole]
MODEL_ROLE_UNSPECIFIED: ModelRole
MODEL_ROLE_LIVE: ModelRole
MODEL_ROLE_SHADOW: ModelRole

class ModelStatus(_message.Message):
    __slots__ = ("live_version", "live_path", "shadow_version", "shadow_path")
    LIVE_VERSION_FIELD_NUMBER: _ClassVar[int]
    LIVE_PATH_FIELD_NUMBER: _ClassVar[int]
    SHADOW_VERSION_FIELD_NUMBER: _ClassVar[int]
    SHADOW_PATH_FIELD_NUMBER: _ClassVar[int]
    live_version: str
    live_path: str
    shadow_version: str
    shadow_path: str
    def __init__(self, live_version: _Optional[str] = ..., live_path: _Optional[str] = ..., shadow_version: _Optional[str] = ..., shadow_path: _Optional[str] = ...) -> None: ...

class GetModelStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetModelStatusResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: ModelStatus
    def __init__(self, status: _Optional[_Union[ModelStatus, _Mapping]] = ...) -> None: ...

class LoadModelRequest(_message.Message):
    __slots__ = ("path", "role")
    PATH_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    path: str
    role: ModelRole
    def __init__(self, path: _Optional[str] = ..., role: _Optional[_Union[ModelRole, str]] = ...) -> None: ...

class LoadModelResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: ModelStatus
    def __init__(self, status: _Optional[_Union[ModelStatus, _Mapping]] = ...) -> None: ...

class PromoteShadowRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PromoteShadowResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: ModelStatus
    def __init__(self, status: _Optional[_Union[ModelStatus, _Mapping]] = ...) -> None: ...
