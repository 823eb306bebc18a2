# Copyright (c) mmflow_ext contributors. All rights reserved.
import pickle

import pytest
import torch

from mmflow_ext.compat import UnsafeCheckpointError
from mmflow_ext.registry import MODELS


@pytest.fixture(autouse=True)
def spandrel(require_module):
    return require_module('spandrel')


@pytest.fixture
def esrgan_file(tmp_path, spandrel):
    from spandrel.architectures.ESRGAN import ESRGAN

    torch.manual_seed(0)
    net = ESRGAN(in_nc=3, out_nc=3, num_filters=8, num_blocks=1, scale=2)
    path = tmp_path / 'esrgan_x2.pth'
    torch.save(net.state_dict(), path)
    return path, net.eval()


def test_same_output_as_spandrel(esrgan_file, spandrel):
    path, net = esrgan_file
    generator = MODELS.build(
        dict(type='SpandrelGenerator', checkpoint=str(path), arch='ESRGAN')
    ).eval()
    assert generator.architecture == 'ESRGAN'
    assert generator.scale == 2
    x = torch.rand(1, 3, 12, 10)
    theirs = spandrel.ModelLoader().load_from_file(str(path)).model.eval()
    with torch.no_grad():
        ours = generator(x)
        assert tuple(ours.shape) == (1, 3, 24, 20)
        assert torch.equal(ours, net(x))
        assert torch.equal(ours, theirs(x))


def test_in_base_edit_model(esrgan_file):
    path, _ = esrgan_file
    model = MODELS.build(
        dict(
            type='BaseEditModel',
            generator=dict(type='SpandrelGenerator', checkpoint=str(path)),
            pixel_loss=dict(type='L1Loss'),
        )
    )
    out = model(torch.rand(1, 3, 8, 8), mode='tensor')
    assert tuple(out.shape) == (1, 3, 16, 16)


def test_errors(esrgan_file, tmp_path):
    path, _ = esrgan_file
    with pytest.raises(ValueError, match="Did you mean: 'ESRGAN'"):
        MODELS.build(
            dict(type='SpandrelGenerator', checkpoint=str(path), arch='ESRGA')
        )
    with pytest.raises(ValueError, match='holds a ESRGAN network, not the'):
        MODELS.build(
            dict(type='SpandrelGenerator', checkpoint=str(path), arch='SwinIR')
        )
    evil = tmp_path / 'evil.pth'
    torch.save(dict(params=pickle.loads(pickle.dumps(print))), evil)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        MODELS.build(dict(type='SpandrelGenerator', checkpoint=str(evil)))
