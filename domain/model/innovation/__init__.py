"""Innovation points (创新积分制): the indicator catalogue, submissions, scoring and warnings.

Pure model, like the rest of :mod:`riskpool.domain`: no SQLAlchemy, no
strawberry, no ledger. A firm's indicator values are validated against a
versioned catalogue (:mod:`.catalogue`, :mod:`.submission`), scored within its
growth-stage cohort into tiers (:mod:`.scoring`), and the tiers inform pool
admission and compensation (:mod:`riskpool.domain.model.policy`). :mod:`.warnings`
computes the dashboard's early warnings (pre-, in- and post-loan risk control)
from figures the service layer reads.
"""
