/**
 * The fleet: probers sharing one PostgreSQL server register as agents with a hold time, share the work
 * by leases in the database, and elect one leader for fleet-wide duties. Everything else in this folder
 * is implementation.
 */
export { startFleetAgent, type FleetHandle, type StartFleetAgentOptions } from './start-fleet-agent.js';
export { FleetAgent, systemFleetClock, type FleetAgentOptions, type FleetClock, type FleetLog, type FleetStatus } from './fleet-agent.js';
export { FleetError, type FleetErrorCode } from './fleet-error.js';
export { fleetConfigSchema, defaultFleet, type FleetConfig } from './fleet-config-schema.js';
export { hostIdentity, hostInterfaces, agentIdFor, detectCapabilities, hasNetRaw, type AgentIdentity, type AgentCapabilities, type AgentInterface, type ProbeKind } from './agent-identity.js';
export { listAgents, registerAgent, heartbeat, LIVE_AGENT, type AgentRow, type AgentStatus } from './agent-registry.js';
export { workStatus, unmonitoredRoutes, publishWork, rebalance, liveAgents, type WorkItem, type WorkRow, type WorkStatus } from './work-assignment.js';
export { leases, takeLease, type LeaseRow } from './fleet-lease.js';
export { agentRoleStatements, agentRoleScript } from './agent-role-sql.js';
export { routeWorkItems, type PlannedRoutes } from './route-work.js';
export { preferredAgent, canRun, type EligibleAgent } from './rendezvous.js';
export { fleetView, type FleetView } from './fleet-view.js';
export { createAgentRole } from './create-role.js';
export { registerAgentMetrics } from './agent-metrics.js';
export { FleetOutcomeExchange, type FleetOutcomeExchangeOptions, type PublishedState } from './fleet-outcome-exchange.js';
export { FleetEvaluator, followLeadership, type FleetEvaluatorOptions, type FollowLeadershipOptions } from './leader-evaluator.js';
export { mergedOutcome, mergedPaths, PeerTransitions } from './merged-round.js';
export { peerRoundOutcomes, publishRoundOutcome, type PeerRound, type PublishedRoute, type PublishedTransition } from './round-outcome-queries.js';
