import pytest
import torch


@pytest.fixture
def randomise_weight_norm():
    """Moves a net's weight-norm gains g away from |v| (where weight normalisation starts) and gives
    its biases random values, so that a test of slicing or pruning sees both matter."""

    def randomise(net: torch.nn.Module) -> torch.nn.Module:
        with torch.no_grad():
            for name, p in net.named_parameters():
                if name.endswith("original0"):
                    p.mul_(torch.empty_like(p).uniform_(0.5, 2))
                elif name.endswith("bias"):
                    p.normal_(0, 0.1)
        return net

    return randomise
