"""Text rendering of the environments: ``render_mode="ansi"`` returns the text, ``"human"`` prints it.

Rendering is for people: it shows what no agent observes (the hidden state ``X``, the realised
types), never part of an observation. ``"human"`` mode renders after every ``step`` (PettingZoo's
convention); ``"ansi"`` renders when ``render()`` is called.
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium

__all__ = ["RENDER_MODES", "TextRender", "check_render_mode", "round_text"]

#: The render modes every environment of the package supports.
RENDER_MODES = ("ansi", "human")


def check_render_mode(render_mode: str | None) -> str | None:
    """``render_mode`` if it is ``None`` or one of :data:`RENDER_MODES`.

    Raises:
        ValueError: any other value.
    """
    if render_mode is not None and (
        not isinstance(render_mode, str) or render_mode not in RENDER_MODES
    ):
        raise ValueError(
            f"render_mode must be None or one of {list(RENDER_MODES)}, got {render_mode!r}"
        )
    return render_mode


class TextRender:
    """``render()`` for an environment whose ``_render_text()`` describes the last round (a mixin)."""

    render_mode: str | None

    def render(self) -> str | None:
        """The last round as text (``"ansi"``: returned; ``"human"``: printed, returns ``None``)."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode; pass render_mode='ansi'")
            return None
        text = self._render_text()
        if self.render_mode == "human":
            print(text)
            return None
        return text

    def _render_text(self) -> str:
        raise NotImplementedError


def round_text(
    name: str,
    t: int,
    episode_len: int,
    context: str,
    agents: Sequence[str],
    seats: Sequence[tuple[int, ...]],
    joint: tuple[int, ...],
    rewards: Sequence[float],
) -> str:
    """The text of one played round of a game environment.

    Args:
        name: the environment's name (first word of the heading).
        t: the round's index (shown 1-based).
        episode_len: rounds in the episode.
        context: what the heading adds about the hidden context (``""`` for nothing).
        agents: the agents' names.
        seats: the players each agent controls.
        joint: the players' joint action.
        rewards: one reward per agent.
    """
    head = f"{name}: round {t + 1}/{episode_len}"
    if context:
        head += f"  ({context})"
    lines = [head]
    width = max(len(a) for a in agents)
    for agent, seat, r in zip(agents, seats, rewards):
        acts = ", ".join(str(joint[i]) for i in seat)
        lines.append(f"  {agent:<{width}}  action {acts:<5}  reward {r:+.4f}")
    return "\n".join(lines)
