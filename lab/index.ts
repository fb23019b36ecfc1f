/** The lab's public surface: build, impair, inspect, enter and remove namespace labs. */
export { labUp, type LabUpResult, type LabUpOptions } from './lab-up.js';
export type { BgpLsState } from './bgp-ls/bgp-ls-up.js';
export { labDown, type LabDownResult } from './lab-down.js';
export { labImpair, type ImpairmentChange, type ImpairScope } from './lab-impair.js';
export { labStatus, type LabStatus, type NodeStatus } from './lab-status.js';
export { labExec } from './lab-exec.js';
export { chooseLab, knownLabs } from './lab-state.js';
export { labPlan, namespaceName, type LabPlan, type LabNode } from './lab-plan.js';
export type { ImpairmentTable } from './router/impairments.js';
export { describeForwarder, type ForwarderChoice } from './router/forwarder-choice.js';
export { startFreshdeskDesk, type FreshdeskDesk, type FreshdeskDeskOptions, type DeskTicket, type DeskNote, type DeskRequest, type DeskFault } from './desk/freshdesk-desk.js';
