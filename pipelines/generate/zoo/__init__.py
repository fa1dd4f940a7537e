"""The zoo: adversarial synthetic worlds for an evaluation that cannot be tuned to.

Every campaign of a zoo world draws its tactics from a catalogue (``tactics.py``) and its size
from 30 to 5,000 accounts; decoys (campus NAT, carrier CGNAT, a start-up on one corporate card,
a minority-stake holding, heavy legitimate users, a reseller's customers, a coworking address,
public mail providers) are sized like campaigns. The tactics come from the product brief's hard
cases and issue 10, never from the resolver's code.

Entry point: :func:`pipelines.generate.zoo.world.generate_zoo_world`; metrics against its ground
truth: :mod:`pipelines.generate.zoo.metrics`.
"""
