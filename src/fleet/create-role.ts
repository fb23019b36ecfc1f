/**
 * `pathmon fleet create-role NAME`: runs agentRoleStatements as the administrator on the store's schema,
 * in one transaction, so a failure leaves no half-made role. The password, when given, is passed to the
 * server only and never printed.
 */
import type { SqlClient } from '../store/sql-client.js';
import { agentRoleStatements } from './agent-role-sql.js';

export async function createAgentRole(client: SqlClient, role: string, schema: string, password?: string): Promise<void> {
  const statements = agentRoleStatements(role, schema, password);
  await client.transaction(async (tx) => {
    for (const statement of statements) await tx.query(statement);
  });
}
