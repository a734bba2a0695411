"""Framework integrations for initguard (optional extras).

* :mod:`initguard.integrations.lightning` — ``InitGuardCallback``: a Lightning ``Callback`` that runs
  :func:`initguard.assert_initialized` at ``on_train_start`` (after checkpoint restore).  Works with
  ``lightning`` or ``pytorch_lightning``.
* :mod:`initguard.integrations.transformers` — ``InitGuardTrainerCallback``: a Hugging Face
  ``TrainerCallback`` that runs the check at ``on_train_begin`` (after ``resume_from_checkpoint``).

Nothing here is imported by ``import initguard``; each submodule imports its framework only when
the callback class is first used.  Fabric and plain PyTorch need no integration:
``initguard.guard(model, optimizer)`` accepts Fabric-wrapped models and optimizers.
"""
