"""
A remote agent (to come)
========================

.. note::

   **This example is a placeholder.** It will show an agent running in another process, connected
   to ``powergames serve`` (the package ``powergames.serve``, being added) over its JSON protocol,
   playing one seat of the 3-player majority game against two Hedge learners while the server's
   evaluators record every seat's exact share. It will be written here, in
   ``docs/examples/plot_5_remote_agent.py``, once that package is part of the library; until then
   see :doc:`/guide/external-agents` for the ways an outside agent can play today.

The code below only reports whether the server package is installed in the environment that built
this page.
"""

import importlib.util

available = importlib.util.find_spec("powergames.serve") is not None
print("powergames.serve installed:", available)
