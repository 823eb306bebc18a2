# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Classes and palette of a dataset named as MMSegmentation names it.

``SegLocalVisualizer(dataset_name=...)`` takes the names (and aliases) of
``mmseg.utils.get_classes`` / ``get_palette``.
"""

from typing import Dict, List, Tuple

from mmflow_ext.datasets import seg_metainfo as meta

__all__ = ['DATASET_ALIASES', 'dataset_classes_and_palette']

#: canonical name -> (aliases, classes, palette)
_DATASETS = {
    'cityscapes': (
        ('cityscapes',),
        meta.CITYSCAPES_CLASSES,
        meta.CITYSCAPES_PALETTE,
    ),
    'ade': (('ade', 'ade20k'), meta.ADE20K_CLASSES, meta.ADE20K_PALETTE),
    'voc': (
        ('voc', 'pascal_voc', 'voc12', 'voc12aug'),
        meta.VOC_CLASSES,
        meta.VOC_PALETTE,
    ),
    'pcontext': (
        ('pcontext', 'pascal_context', 'voc2010'),
        meta.PASCAL_CONTEXT59_CLASSES,
        meta.PASCAL_CONTEXT59_PALETTE,
    ),
    'loveda': (('loveda',), meta.LOVEDA_CLASSES, meta.LOVEDA_PALETTE),
    'potsdam': (('potsdam',), meta.ISPRS_CLASSES, meta.ISPRS_PALETTE),
    'vaihingen': (('vaihingen',), meta.ISPRS_CLASSES, meta.ISPRS_PALETTE),
    'cocostuff': (
        (
            'cocostuff',
            'cocostuff10k',
            'cocostuff164k',
            'coco-stuff',
            'coco-stuff10k',
            'coco-stuff164k',
            'coco_stuff',
            'coco_stuff10k',
            'coco_stuff164k',
        ),
        meta.COCO_STUFF_CLASSES,
        meta.COCO_STUFF_PALETTE,
    ),
    'isaid': (('isaid', 'iSAID'), meta.ISAID_CLASSES, meta.ISAID_PALETTE),
    'stare': (('stare', 'STARE'), meta.VESSEL_CLASSES, meta.VESSEL_PALETTE),
    'lip': (('LIP', 'lip'), meta.LIP_CLASSES, meta.LIP_PALETTE),
    'mapillary_v1': (
        ('mapillary_v1',),
        meta.MAPILLARY_V1_CLASSES,
        meta.MAPILLARY_V1_PALETTE,
    ),
    'mapillary_v2': (
        ('mapillary_v2',),
        meta.MAPILLARY_V2_CLASSES,
        meta.MAPILLARY_V2_PALETTE,
    ),
    # BDD100K labels the 19 Cityscapes classes in Cityscapes colours
    'bdd100k': (
        ('bdd100k',),
        meta.CITYSCAPES_CLASSES,
        meta.CITYSCAPES_PALETTE,
    ),
}

#: alias -> canonical dataset name
DATASET_ALIASES: Dict[str, str] = {
    alias: name
    for name, (aliases, _, _) in _DATASETS.items()
    for alias in aliases
}


def dataset_classes_and_palette(
    dataset_name: str,
) -> Tuple[List[str], List[List[int]]]:
    """Class names and RGB palette of a dataset name or alias.

    Args:
        dataset_name (str): A name of :data:`DATASET_ALIASES`, e.g.
            ``'cityscapes'``, ``'ade20k'`` or ``'voc12aug'``.

    Returns:
        tuple[list[str], list[list[int]]]: Fresh lists of the classes and
        of their ``[R, G, B]`` colours.

    Raises:
        ValueError: When the name is unknown; the message lists the known
            ones.

    Examples:
        >>> classes, palette = dataset_classes_and_palette('voc12aug')
        >>> len(classes), classes[:2], palette[1]
        (21, ['background', 'aeroplane'], [128, 0, 0])
    """
    if not isinstance(dataset_name, str):
        raise TypeError(
            f'dataset_name must be a str, got {type(dataset_name).__name__}'
        )
    name = DATASET_ALIASES.get(dataset_name)
    if name is None:
        raise ValueError(
            f'unknown dataset_name "{dataset_name}"; known '
            f'names: {", ".join(sorted(DATASET_ALIASES))}'
        )
    _, classes, palette = _DATASETS[name]
    return list(classes), [list(color) for color in palette]
