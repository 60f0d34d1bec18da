"""ReviewService servicer: convert, call :class:`service.review.ReviewCore`, convert back.

Authentication and roles happen before any method runs (:mod:`service.api.auth`); the caller
arrives through :func:`current_principal`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import grpc

from service.api import review_convert as convert
from service.api.auth import current_principal
from service.api.gen.signupguard.v1 import review_pb2 as pb
from service.api.gen.signupguard.v1 import review_pb2_grpc as pb_grpc
from service.api.status import to_status
from service.errors import NotReady, SignupGuardError
from service.review.core import ReviewCore
from service.review.model import Principal, Role

T = TypeVar("T")

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["ReviewService"].full_name
_PREFIX = f"/{SERVICE_NAME}/"
# The least role of each method (the core checks the same again: it is the rule's home).
ROLES: dict[str, Role] = {
    _PREFIX: Role.REVIEWER,
    f"{_PREFIX}ResolveCampaign": Role.LEAD,
    f"{_PREFIX}UndoCampaignVerdict": Role.LEAD,
}


class ReviewServicer(pb_grpc.ReviewServiceServicer):  # type: ignore[misc]  # generated base
    """Thin gRPC front of the review core."""

    def __init__(self) -> None:
        self._core: ReviewCore | None = None

    def attach(self, core: ReviewCore) -> None:
        """Answer with this core."""
        self._core = core

    def _call(self, context: grpc.ServicerContext, work: Callable[[ReviewCore, Principal], T]) -> T:
        try:
            if self._core is None:
                raise NotReady("the review store is not open yet")
            return work(self._core, current_principal())
        except SignupGuardError as exc:
            context.abort_with_status(to_status(exc))
        raise AssertionError("unreachable: abort_with_status raises")  # pragma: no cover

    def ListCases(
        self, request: pb.ListCasesRequest, context: grpc.ServicerContext
    ) -> pb.ListCasesResponse:
        """One page of the queue."""

        def work(core: ReviewCore, who: Principal) -> pb.ListCasesResponse:
            page = core.list_cases(
                who, convert.case_filter(request), request.page_size, request.page_token
            )
            return pb.ListCasesResponse(
                cases=[convert.case_message(c) for c in page.items],
                next_page_token=page.next_token,
            )

        return self._call(context, work)

    def GetCase(
        self, request: pb.GetCaseRequest, context: grpc.ServicerContext
    ) -> pb.GetCaseResponse:
        """A whole case."""
        return self._call(
            context, lambda core, who: convert.case_detail(core.get_case(who, request.case_id))
        )

    def ClaimCase(
        self, request: pb.ClaimCaseRequest, context: grpc.ServicerContext
    ) -> pb.ClaimCaseResponse:
        """Claim a case."""
        return self._call(
            context,
            lambda core, who: pb.ClaimCaseResponse(
                case=convert.case_message(core.claim_case(who, request.case_id))
            ),
        )

    def ResolveCase(
        self, request: pb.ResolveCaseRequest, context: grpc.ServicerContext
    ) -> pb.ResolveCaseResponse:
        """Resolve a case."""
        return self._call(
            context,
            lambda core, who: pb.ResolveCaseResponse(
                case=convert.case_message(
                    core.resolve_case(
                        who, request.case_id, convert.verdict(request.verdict), request.note
                    )
                )
            ),
        )

    def ListCampaigns(
        self, request: pb.ListCampaignsRequest, context: grpc.ServicerContext
    ) -> pb.ListCampaignsResponse:
        """Campaigns by size or risk."""

        def work(core: ReviewCore, who: Principal) -> pb.ListCampaignsResponse:
            order = "risk" if request.order_by == pb.CAMPAIGN_ORDER_RISK else "size"
            page = core.list_campaigns(
                who, order, request.min_size or 2, request.page_size, request.page_token
            )
            return pb.ListCampaignsResponse(
                campaigns=[convert.campaign_message(c) for c in page.items],
                next_page_token=page.next_token,
            )

        return self._call(context, work)

    def GetCampaign(
        self, request: pb.GetCampaignRequest, context: grpc.ServicerContext
    ) -> pb.GetCampaignResponse:
        """A campaign's picture."""
        return self._call(
            context,
            lambda core, who: convert.campaign_detail(
                core.get_campaign(who, request.campaign_id, request.sample_size)
            ),
        )

    def PreviewCampaignVerdict(
        self, request: pb.PreviewCampaignVerdictRequest, context: grpc.ServicerContext
    ) -> pb.PreviewCampaignVerdictResponse:
        """What a campaign verdict would change."""

        def work(core: ReviewCore, who: Principal) -> pb.PreviewCampaignVerdictResponse:
            p = core.preview_campaign_verdict(
                who, request.campaign_id, convert.verdict(request.verdict)
            )
            return pb.PreviewCampaignVerdictResponse(
                accounts=p.accounts,
                already_resolved=p.already_resolved,
                would_change=p.would_change,
                open_cases=p.open_cases,
            )

        return self._call(context, work)

    def ResolveCampaign(
        self, request: pb.ResolveCampaignRequest, context: grpc.ServicerContext
    ) -> pb.ResolveCampaignResponse:
        """One verdict for a whole campaign."""

        def work(core: ReviewCore, who: Principal) -> pb.ResolveCampaignResponse:
            r = core.resolve_campaign(
                who, request.campaign_id, convert.verdict(request.verdict), request.note
            )
            return pb.ResolveCampaignResponse(
                action_id=r.action_id,
                accounts=r.accounts,
                changed=r.changed,
                cases_resolved=r.cases_resolved,
            )

        return self._call(context, work)

    def UndoCampaignVerdict(
        self, request: pb.UndoCampaignVerdictRequest, context: grpc.ServicerContext
    ) -> pb.UndoCampaignVerdictResponse:
        """Undo a campaign verdict."""

        def work(core: ReviewCore, who: Principal) -> pb.UndoCampaignVerdictResponse:
            r = core.undo_campaign_verdict(who, request.action_id, request.note)
            return pb.UndoCampaignVerdictResponse(
                action_id=r.action_id, reverted=r.reverted, already_undone=r.already_undone
            )

        return self._call(context, work)
