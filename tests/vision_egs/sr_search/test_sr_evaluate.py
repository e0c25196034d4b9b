"""What RESULTS.md reports besides latency: MACs counted by hand for a conv and a transposed conv,
unchanged by counting at a reduced input; deployed parameters counting a weight-normalised weight once;
the CI extrapolation factor to a 720p frame; bicubic as a predictor equals bicubic.upscale_uint8."""
import numpy as np
import torch
from torch import nn

from vision_egs.sr_search.bicubic import upscale_uint8
from vision_egs.sr_search.config import SRLatencyConfig
from vision_egs.sr_search.evaluate import bicubic_predict, deployed_parameters, macs, super_resolve
from vision_egs.sr_search.models import FSRCNN, WDSRB, wn_conv


def test_macs_by_hand():
    conv = nn.Conv2d(3, 8, 3, padding=1)
    assert macs(conv, (40, 60)) == 40 * 60 * 8 * 3 * 9
    deconv = nn.ConvTranspose2d(3, 8, 9, stride=2, padding=4, output_padding=1)
    assert macs(deconv, (40, 60)) == 40 * 60 * 3 * 8 * 81  # every input pixel meets the whole kernel
    assert macs(FSRCNN(2), (360, 640)) == macs(FSRCNN(2), (360, 640), reduce=1)


def test_deployed_parameters_count_a_weight_normalised_weight_once():
    assert deployed_parameters(wn_conv(3, 8, 3)) == 8 * 3 * 9 + 8
    net = WDSRB(2, features=8, blocks=1, expand=2)
    exported = sum(m.weight.numel() + m.bias.numel() for m in net.modules() if isinstance(m, nn.Conv2d))
    assert deployed_parameters(net) == exported


def test_ci_latency_shape_extrapolates_by_pixels():
    lat = SRLatencyConfig(input={2: [72, 128], 4: [180, 320]})
    assert lat.per_frame(2) == 25 and not lat.at_deployment(2)
    assert lat.per_frame(4) == 1 and lat.at_deployment(4)


def test_bicubic_predictor_is_matlab_upscaling():
    lr = np.random.default_rng(0).integers(0, 256, (10, 12, 3), dtype=np.uint8)
    sr = super_resolve(bicubic_predict(2), lr)
    assert torch.equal((sr * 255).round().byte(), torch.from_numpy(upscale_uint8(lr, 2).transpose(2, 0, 1)))
