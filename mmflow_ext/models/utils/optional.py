# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The optional model libraries (``pip install "mmflow_ext[models]"``):
imports that name the extra when missing, and unknown names answered with
the close ones."""

import difflib
import importlib
from types import ModuleType
from typing import Iterable

__all__ = ['EXTRA_HINT', 'import_extra', 'unknown_name_error']

#: how to install the libraries behind the adapters
EXTRA_HINT = 'pip install "mmflow_ext[models]"'


def import_extra(module: str, owner: str) -> ModuleType:
    """Import a library of the ``models`` extra.

    Args:
        module (str): Import name, e.g. ``'timm'``.
        owner (str): The adapter that needs it, named in the error.

    Returns:
        ModuleType: The imported module.

    Raises:
        ImportError: Naming the extra to install when ``module`` is missing.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f'{owner} needs the "{module}" package, which is not installed '
            f'or does not import ({error}). Install the models extra with '
            f'`{EXTRA_HINT}`.'
        ) from error


def unknown_name_error(
    what: str, name: str, choices: Iterable[str]
) -> ValueError:
    """A ValueError for an unknown ``name``, suggesting close ``choices``.

    Args:
        what (str): What the name names, e.g. ``'timm model'``.
        name (str): The name given.
        choices (Iterable[str]): The known names.

    Returns:
        ValueError: The error to raise.

    Examples:
        >>> str(unknown_name_error('model', 'resnet81', ['resnet18', 'vgg']))
        "Unknown model 'resnet81'. Did you mean: 'resnet18'?"
    """
    close = difflib.get_close_matches(name, list(choices), n=5, cutoff=0.6)
    hint = (
        'Did you mean: ' + ', '.join(repr(c) for c in close) + '?'
        if close
        else 'No known name is close to it.'
    )
    return ValueError(f'Unknown {what} {name!r}. {hint}')
