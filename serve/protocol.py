"""The wire protocol of ``powergames serve``: versioned JSON messages as pydantic models.

Every message sent or received by the server is one of the models below and is validated against
it (unknown keys, wrong types and out-of-range values are refused with a 4xx error that names the
field). The OpenAPI document (``GET /openapi.json``) is generated from these models; the WebSocket
stream carries the same models, tagged by ``type``.

Version: :data:`PROTOCOL` (``"powergames.serve/1"``) is sent in every server message; a client
names the version it speaks in the ``Powergames-Protocol`` header or the WebSocket ``hello``; a
different major version is refused with 400.

Two kinds of hosting share the protocol:

* **matches** (``/v1/matches``): a run of an experiment config whose ``kind: remote`` seats are
  played by clients; the server runs the loop and asks each remote seat for its action
  (``observe`` → ``act``), the library's agents fill the other seats;
* **env sessions** (``/v1/envs``): one client drives a whole environment (``reset``/``step``,
  PettingZoo's parallel API), as :class:`powergames.serve.remote.RemoteParallelEnv` does.

What a seat sees is what its agent sees in the environment: its observation vector, its own type
(decoded from the observation's one-hot type block), the legal actions and its last reward. The
environment's hidden state ``X``, the other players' types and ``infos["state"]``/``["types"]``
never leave the server.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Protocol name and major version, sent in every server message.
PROTOCOL: Final = "powergames.serve/1"
#: Largest accepted request body or WebSocket message, in bytes.
MAX_MESSAGE_BYTES = 64 * 1024
#: Largest free-text field (an LLM reply recorded with an action), in characters.
MAX_TEXT = 8192

Status = Literal["waiting_for_players", "running", "finished", "failed"]
TimeoutPolicy = Literal["default", "forfeit"]


class Message(BaseModel):
    """Base of every message: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")


class ServerMessage(Message):
    """Base of server messages: they carry the protocol version."""

    protocol: Literal["powergames.serve/1"] = PROTOCOL


# ------------------------------------------------------------------------------------- errors
class ErrorDetail(Message):
    code: str
    """Machine-readable: ``bad_request``, ``unauthorized``, ``forbidden``, ``not_found``,
    ``conflict``, ``too_large``, ``invalid``."""
    message: str
    """One line naming the offending field or the reason."""


class ErrorResponse(ServerMessage):
    """Any 4xx answer."""

    type: Literal["error"] = "error"
    error: ErrorDetail


# -------------------------------------------------------------------------------------- spaces
class SpaceSpec(Message):
    """A Gymnasium space: ``Discrete(n)``, ``MultiDiscrete(nvec)`` or a ``Box``."""

    kind: Literal["discrete", "multi_discrete", "box"]
    n: int | None = None
    start: int | None = None
    nvec: list[int] | None = None
    shape: list[int] | None = None
    low: list[float] | None = None
    high: list[float] | None = None
    dtype: str


# ------------------------------------------------------------------------------------- matches
class SeatInfo(Message):
    seat: int
    """The seat's index in the config's ``agents`` list."""
    agent: str
    """The environment agent it plays (``player_1``)."""
    players: list[int]
    """The players it controls."""
    kind: str
    """Its agent kind; ``remote`` seats are played by clients."""
    joined: bool = False
    """Whether a client holds the seat's token."""
    name: str | None = None
    """The joining client's label."""


class MatchInfo(ServerMessage):
    """A match's public description (``GET /v1/matches/{match_id}``)."""

    type: Literal["match"] = "match"
    match_id: str
    status: Status
    env_id: str
    step: int
    """Environment steps played so far."""
    budget: int
    seats: list[SeatInfo]
    error: str | None = None


class MatchList(ServerMessage):
    type: Literal["matches"] = "matches"
    matches: list[MatchInfo]


class CreateMatchRequest(Message):
    """Create a match from an experiment config (the YAML schema of ``powergames train`` as JSON);
    some ``agents`` entries have ``kind: remote``."""

    config: dict[str, Any]


class JoinRequest(Message):
    seat: int | None = Field(default=None, ge=0)
    """The seat to take; the first open remote seat when omitted."""
    name: str | None = Field(default=None, max_length=64)
    """A label for the watch page."""


class JoinResponse(ServerMessage):
    """The seat's secret token, issued once: send it as ``Authorization: Bearer <token>``."""

    type: Literal["joined"] = "joined"
    match_id: str
    seat: int
    agent: str
    token: str


class SeatObservation(ServerMessage):
    """What one remote seat sees (``GET …/seats/{seat}/observe``; WebSocket ``observation``)."""

    type: Literal["observation"] = "observation"
    match_id: str
    seat: int
    agent: str
    status: Literal["waiting", "act", "finished"]
    """``act``: the match waits for this seat's action at ``step``; ``waiting``: not this seat's
    turn yet; ``finished``: the match is over (read ``result``)."""
    step: int
    """The environment step the action is for (0-based, counted over the whole match)."""
    round: int | None = None
    """The round within the episode (repeated games), from the observation."""
    type_index: int | None = None
    """The seat's own type (Bayesian games), from the observation's one-hot block."""
    n_types: int = 1
    observation: list[float] | None = None
    """The seat's observation vector, exactly as the environment gives it to an agent."""
    layout: dict[str, list[int]] = Field(default_factory=dict)
    """Block name → ``[start, stop)`` of the observation vector."""
    legal_actions: list[int] = Field(default_factory=list)
    last_reward: float | None = None
    """The seat's reward in the previous step."""
    deadline_s: float | None = None
    """Seconds left to act before the timeout policy applies."""
    on_timeout: TimeoutPolicy = "default"
    default_action: int = 0


class ActMeta(Message):
    """How the action was chosen, recorded in the run's ``remote_actions.jsonl``."""

    attempts: int = Field(default=1, ge=1, le=100)
    """Replies asked for (a language-model agent's retries + 1)."""
    fallback: bool = False
    """Whether the client gave up parsing and sent its stated fallback action."""
    reply: str | None = Field(default=None, max_length=MAX_TEXT)
    """The raw reply the action was parsed from (language-model agents)."""


class ActRequest(Message):
    step: int = Field(ge=0)
    """The step of the observation acted on (a stale step is refused with 409)."""
    action: int = Field(ge=0)
    meta: ActMeta | None = None


class ActResponse(ServerMessage):
    type: Literal["ack"] = "ack"
    match_id: str
    seat: int
    step: int
    action: int


class RemoteSeatRecord(Message):
    seat: int
    agent: str
    actions: int
    """Actions sent by the client."""
    timeouts: int
    """Steps played by the timeout policy."""
    fallbacks: int
    """Actions the client flagged as its parser's fallback."""
    forfeited: bool


class MatchResult(ServerMessage):
    """``GET /v1/matches/{match_id}/result``: the summary once finished."""

    type: Literal["result"] = "result"
    match_id: str
    status: Status
    steps: int
    remote: list[RemoteSeatRecord]
    summary: dict[str, Any] | None = None
    """``summary.json`` of the run directory (final metrics) when finished."""


class WatchUpdate(ServerMessage):
    """The spectator stream (``/v1/matches/{match_id}/watch``): public information only."""

    type: Literal["watch"] = "watch"
    match_id: str
    status: Status
    step: int
    budget: int
    metrics: dict[str, float]
    """The newest ``metrics.csv`` row (evaluations: shares with CIs, POWER, NashConv)."""
    last_joint_action: list[int] | None = None
    """The previous joint action, only when the environment shows it to every agent
    (``history: actions``); otherwise ``None``."""


class GameText(ServerMessage):
    """``GET /v1/matches/{match_id}/description``: the game in words, for language-model agents."""

    type: Literal["description"] = "description"
    match_id: str
    text: str


# --------------------------------------------------------------------------- WebSocket (client)
class WsHello(Message):
    """First message on a seat's WebSocket: the token (browsers cannot set headers)."""

    type: Literal["hello"]
    protocol: Literal["powergames.serve/1"] = PROTOCOL
    token: str = Field(min_length=1, max_length=256)


class WsAct(ActRequest):
    type: Literal["act"]


ClientWsMessage = Annotated[WsHello | WsAct, Field(discriminator="type")]


# -------------------------------------------------------------------------------- env sessions
class EnvCreateRequest(Message):
    id: str = Field(min_length=1, max_length=200)
    """A registered environment id."""
    kwargs: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments of ``powergames.envs.make`` (``render_mode`` is not accepted)."""


class EnvCreated(ServerMessage):
    """A new session; its token authorises ``reset``/``step``/``close``."""

    type: Literal["env"] = "env"
    session_id: str
    token: str
    possible_agents: list[str]
    observation_spaces: dict[str, SpaceSpec]
    action_spaces: dict[str, SpaceSpec]
    metadata: dict[str, Any]


class ResetRequest(Message):
    seed: int | None = Field(default=None, ge=0)


class StepRequest(Message):
    actions: dict[str, int | list[int]]


class EnvResult(ServerMessage):
    """``reset`` (rewards etc. empty) and ``step`` answers; ``infos`` keep public keys only."""

    type: Literal["env_step"] = "env_step"
    agents: list[str]
    observations: dict[str, list[float]]
    rewards: dict[str, float] = Field(default_factory=dict)
    terminations: dict[str, bool] = Field(default_factory=dict)
    truncations: dict[str, bool] = Field(default_factory=dict)
    infos: dict[str, dict[str, Any]] = Field(default_factory=dict)
