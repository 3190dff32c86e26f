"""Commands of the claim workflow: filing, then one command per action of the rulebook.

Each action command names its :class:`~riskpool.domain.model.claim.ClaimAction` and
builds the :class:`~riskpool.domain.model.claim.Evidence` that action requires from
its own fields, so the API passes plain arguments and the payload hashed for
idempotency is those same arguments. No command carries a time: a step
happens when the server's clock says it does (a client never dates a workflow
step), so a retry is always the same request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from moneyed import Money

from riskpool.domain.commands import Command
from riskpool.domain.model.claim import Claim, ClaimAction, Concurrence, Evidence
from riskpool.domain.model.parties import Actor, Role


class ClaimStepCommand(Command[Claim]):
    """What every action command gives the workflow, with the defaults most take:
    no evidence of its own and no reason. A command states only what differs."""

    action: ClassVar[ClaimAction]

    def evidence(self) -> Evidence:
        return Evidence()

    def reason_given(self) -> str | None:
        return None


@dataclass(frozen=True, slots=True)
class SubmitClaim(Command[Claim]):
    """The party bearing the loss files a claim for a pool loan's principal."""

    operation: ClassVar[str] = "claim.submit"
    loan_id: int
    claimed_principal: Money
    documents: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class CommissionAudit(ClaimStepCommand):
    """The operator commissions the third-party audit."""

    operation: ClassVar[str] = "claim.commission_audit"
    action: ClassVar[ClaimAction] = ClaimAction.COMMISSION_AUDIT
    claim_id: int
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class RecordAudit(ClaimStepCommand):
    """The auditor's report and the audited principal loss."""

    operation: ClassVar[str] = "claim.record_audit"
    action: ClassVar[ClaimAction] = ClaimAction.RECORD_AUDIT
    claim_id: int
    audit_report_ref: str
    audited_principal_loss: Money
    idempotency_key: str

    def evidence(self) -> Evidence:
        return Evidence(
            audit_report_ref=self.audit_report_ref,
            audited_principal_loss=self.audited_principal_loss,
        )


@dataclass(frozen=True, slots=True)
class ReviewClaim(ClaimStepCommand):
    """The science bureau's review, with the finance bureau's concurrence (by its subject)."""

    operation: ClassVar[str] = "claim.review"
    action: ClassVar[ClaimAction] = ClaimAction.REVIEW
    claim_id: int
    review_opinion: str
    finance_concurrence_reference: str
    finance_concurrence_by: str
    idempotency_key: str

    def evidence(self) -> Evidence:
        return Evidence(
            review_opinion=self.review_opinion,
            finance_concurrence=Concurrence(
                Actor(Role.FINANCE_BUREAU, self.finance_concurrence_by),
                self.finance_concurrence_reference,
            ),
        )


@dataclass(frozen=True, slots=True)
class ApproveClaim(ClaimStepCommand):
    """The city government's approval: books the compensation as payable."""

    operation: ClassVar[str] = "claim.approve"
    action: ClassVar[ClaimAction] = ClaimAction.APPROVE
    claim_id: int
    approval_document_no: str
    idempotency_key: str

    def evidence(self) -> Evidence:
        return Evidence(approval_document_no=self.approval_document_no)


@dataclass(frozen=True, slots=True)
class PayClaim(ClaimStepCommand):
    """The operator pays the approved compensation from the fund's cash."""

    operation: ClassVar[str] = "claim.pay"
    action: ClassVar[ClaimAction] = ClaimAction.PAY
    claim_id: int
    payment_reference: str
    idempotency_key: str

    def evidence(self) -> Evidence:
        return Evidence(payment_reference=self.payment_reference)


@dataclass(frozen=True, slots=True)
class RejectClaim(ClaimStepCommand):
    """Reject at audit, review or approval (who may depends on the claim's state)."""

    operation: ClassVar[str] = "claim.reject"
    action: ClassVar[ClaimAction] = ClaimAction.REJECT
    claim_id: int
    reason: str
    idempotency_key: str

    def reason_given(self) -> str | None:
        return self.reason


@dataclass(frozen=True, slots=True)
class WithdrawClaim(ClaimStepCommand):
    """The claimant withdraws its claim before approval."""

    operation: ClassVar[str] = "claim.withdraw"
    action: ClassVar[ClaimAction] = ClaimAction.WITHDRAW
    claim_id: int
    idempotency_key: str
    reason: str | None = None

    def reason_given(self) -> str | None:
        return self.reason
