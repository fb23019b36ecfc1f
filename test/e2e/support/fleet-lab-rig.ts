/**
 * One namespace lab with fleet agents on it, and what the agents talk to: the ticket desk and the SMTP
 * sink on loopback, bridged with the PostgreSQL server into each host namespace, and the schema
 * migrated before the agents race to create it. `down()` undoes everything `up()` reached.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { namespaceName } from '../../../lab/lab-plan.js';
import { openStore, type SqlStore } from '../../../src/store/index.js';
import { runCli } from '../../helpers/cli.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../../helpers/fake-freshdesk.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { dropSchema, testPgUrl } from '../../helpers/test-postgres.js';
import { startPortBridge, type PortBridge } from '../../integration/monitor/netns-port-bridge.js';
import { FleetLabAgent } from './fleet-lab-agent.js';

/** An agent to start: its id, the host it stands on and the host at the other end of its paths. */
export type FleetMember = readonly [agentId: string, node: string, peer: string];

export interface FleetLabRigOptions {
  lab: string;
  schema: string;
  topologyFile: string;
  /** The Freshdesk API key the agents find in $PATHMON_E2E_FD_KEY. */
  apiKey: string;
  /** An agent's config, given the desk's port (the sink is `rig.smtp` by then). */
  configFor: (agentId: string, node: string, peer: string, freshdeskPort: number) => string;
}

export class FleetLabRig {
  freshdesk!: FakeFreshdesk;
  smtp!: SmtpSink;
  admin!: SqlStore;
  readonly agents = new Map<string, FleetLabAgent>();
  private readonly bridges: PortBridge[] = [];
  private dir = '';

  constructor(private readonly options: FleetLabRigOptions) {}

  async up(members: readonly FleetMember[]): Promise<void> {
    const { lab, schema, topologyFile, apiKey, configFor } = this.options;
    this.dir = mkdtempSync(join(tmpdir(), 'pathmon-fleet-e2e-'));
    const up = runCli(['lab', 'up', topologyFile, '--lab', lab], { timeoutMs: 120_000 });
    assert.equal(up.status, 0, `lab up failed: ${up.stderr}`);
    this.freshdesk = await startFakeFreshdesk({ apiKey });
    this.smtp = await startSmtpSink();
    const freshdeskPort = Number(new URL(this.freshdesk.baseUrl).port);
    const pgPort = Number(new URL(testPgUrl).port || 5432);
    // The server, Freshdesk and the SMTP sink on the same loopback ports inside each host namespace.
    for (const host of new Set(members.map(([, node]) => node))) this.bridges.push(await startPortBridge(namespaceName(lab, host), [pgPort, freshdeskPort, this.smtp.port]));
    this.admin = await openStore(testPgUrl, { schema });
    const env = { ...process.env, PATHMON_E2E_FD_KEY: apiKey };
    for (const [agentId, node, peer] of members) {
      const agent = new FleetLabAgent({ agentId, node, namespace: namespaceName(lab, node), config: configFor(agentId, node, peer, freshdeskPort) }, this.dir, env);
      this.agents.set(agentId, agent);
      agent.start();
    }
  }

  async down(): Promise<void> {
    for (const agent of this.agents.values()) await agent.kill().catch(() => undefined);
    for (const bridge of this.bridges) await bridge.close().catch(() => undefined);
    await this.admin?.close().catch(() => undefined);
    await this.smtp?.close().catch(() => undefined);
    await this.freshdesk?.close().catch(() => undefined);
    runCli(['lab', 'down', '--lab', this.options.lab], { timeoutMs: 120_000 });
    await dropSchema(this.options.schema).catch(() => undefined);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
