"""Forgetting events (Toneva et al., ICLR'19) counted during training, and the data-efficient
removal MEST builds on them: an example is forgotten when it goes from correct to incorrect between
two consecutive presentations (its minibatch forward passes); at a set epoch the N least-forgotten
examples are removed and training continues on the rest. Examples never classified correctly count
as forgotten infinitely often (Toneva's convention), so they are never removed."""
from typing import Dict

import torch


class ForgettingCounter:
    def __init__(self, n: int):
        self.state: Dict[str, torch.Tensor] = {
            "previous": torch.zeros(n, dtype=torch.bool),  # correct at the last presentation
            "learned": torch.zeros(n, dtype=torch.bool),  # ever correct
            "forgotten": torch.zeros(n, dtype=torch.long),
        }

    def load(self, state: Dict[str, torch.Tensor]) -> None:
        for k, v in state.items():
            self.state[k].copy_(v)

    def update(self, ids: torch.Tensor, correct: torch.Tensor) -> None:
        """One presentation of examples `ids` (original indices) and whether each was right."""
        s = self.state
        s["forgotten"][ids] += (s["previous"][ids] & ~correct).long()
        s["learned"][ids] |= correct
        s["previous"][ids] = correct

    def least_forgotten(self, n: int) -> torch.Tensor:
        """The (at most) n learned examples with the fewest forgetting events, ties by index."""
        learned = self.state["learned"].nonzero().flatten()
        order = torch.sort(self.state["forgotten"][learned], stable=True).indices
        return learned[order[:n]]
