/**
 * Correlation of device events with the topology and open incidents: the node by host name, router-id
 * or sender address; the link by local or neighbour address, neighbour router-id or a configured
 * interface name; parallel links left undecided; the incident of the link in either direction.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventCorrelator } from '../../../src/remediate/event-correlator.js';
import type { IncidentRecord } from '../../../src/incidents/incident.js';
import { K45, K46, K56a, K64, labGraph, r46Incident, syslogEvent } from '../../integration/remediate/remediate-fixtures.js';

const graph = labGraph();
const correlator = (incidents: IncidentRecord[] = [], interfaces: Record<string, Record<string, string>> = {}) =>
  new EventCorrelator({ graph: () => graph, openIncidents: () => incidents, interfaces });

describe('event correlation', () => {
  it("finds FRR ospfd's adjacency change on R4's link to R6 by the interface's local address", () => {
    const c = correlator().correlate(syslogEvent());
    assert.equal(c.node?.name, 'R4');
    assert.equal(c.link?.key, K46);
    assert.equal(c.linkLabel, 'R4→R6');
  });

  it('finds the node by the sender address when the hostname is not a node, and the link by neighbour address', () => {
    const c = correlator().correlate(syslogEvent({ host: 'labhost', sourceAddress: '10.0.46.1', message: '%BGP-5-ADJCHANGE: neighbor 10.0.46.0 Down BGP Notification sent' }));
    assert.equal(c.node?.name, 'R6');
    assert.equal(c.link?.key, K64);
  });

  it('finds the node by router-id and the link by the neighbour router-id', () => {
    const c = correlator().correlate(syslogEvent({ host: '10.255.0.4', message: 'Neighbor 10.255.0.5 (eth9) is Full to Down' }));
    assert.equal(c.node?.name, 'R4');
    assert.equal(c.link?.key, K45);
  });

  it('leaves the link undecided between parallel links named only by neighbour router-id, decides by address', () => {
    assert.equal(correlator().correlate(syslogEvent({ host: 'R5', message: 'Nbr 10.255.0.6 Full -> Deleted' })).link, null);
    assert.equal(correlator().correlate(syslogEvent({ host: 'R5', message: 'Nbr 10.255.0.6 on x:10.0.56.0: Full -> Deleted' })).link?.key, K56a);
  });

  it('uses configured interface names as whole words only', () => {
    const c = correlator([], { R4: { eth1: 'R6' } });
    assert.equal(c.correlate(syslogEvent({ message: '%LINEPROTO-5-UPDOWN: Line protocol on Interface eth1, changed state to down' })).link?.key, K46);
    assert.equal(c.correlate(syslogEvent({ message: 'Interface eth10 changed state to down' })).link, null);
  });

  it('uses the parser facts when the message alone does not tell', () => {
    const c = correlator([], { R4: { 'ge-0/0/1': 'R6' } });
    assert.equal(c.correlate(syslogEvent({ message: 'SNMP_TRAP_LINK_DOWN: ifIndex 517', facts: { interface: 'ge-0/0/1' } })).link?.key, K46);
  });

  it('attaches to the open incident of the link whichever direction the event names, and by node otherwise', () => {
    const incident = r46Incident();
    const c = correlator([incident]);
    assert.equal(c.correlate(syslogEvent({ host: 'R6', message: 'AdjChg: Nbr 10.255.0.4 on x:10.0.46.1: Full -> Deleted' })).incident?.id, incident.id);
    assert.equal(c.correlate(syslogEvent({ host: 'R6', message: 'zebra: something about the box' })).incident?.id, incident.id, 'node-level attach');
    assert.equal(c.correlate(syslogEvent({ host: 'R5', message: 'AdjChg: Nbr 10.255.0.6 on x:10.0.56.0: Full -> Deleted' })).incident, null, 'R5 is on no link of the incident');
    assert.equal(c.correlate(syslogEvent({ host: 'R4', message: 'AdjChg on x:10.0.45.0 Full -> Down' })).incident, null, "a link of R4 other than the incident's");
  });

  it('leaves an unknown device uncorrelated', () => {
    const c = correlator([r46Incident()]).correlate(syslogEvent({ host: 'printer', sourceAddress: '198.51.100.7' }));
    assert.deepEqual([c.node, c.link, c.incident], [null, null, null]);
  });
});
