/**
 * Who may call what. READER reads; WRITER also ingests and acknowledges or
 * resolves alerts; ADMIN also manages API keys. Pure: the table every RPC is
 * checked against.
 */
import { Role } from '@nightglow/contracts/records/v1';
import { RecordStoreError } from '../errors.js';

/** The caller of an RPC, once authenticated. */
export type Principal = {
  /** The API key id; undefined for the bootstrap admin key and with auth disabled. */
  readonly keyId: string | undefined;
  /** The key's name (the default `acknowledged_by`, `created_by`, `source.service`). */
  readonly name: string;
  readonly role: Role;
};

/** The lowest role allowed to call each RPC of RecordStore. */
export const REQUIRED_ROLE: Readonly<Record<string, Role>> = {
  GetTaskRecord: Role.READER,
  ListTaskRecords: Role.READER,
  QueryMeasurements: Role.READER,
  ListEvents: Role.READER,
  WatchEvents: Role.READER,
  ListAlerts: Role.READER,
  GetArtifact: Role.READER,
  IngestEvents: Role.WRITER,
  AcknowledgeAlert: Role.WRITER,
  ResolveAlert: Role.WRITER,
  CreateApiKey: Role.ADMIN,
  ListApiKeys: Role.ADMIN,
  RevokeApiKey: Role.ADMIN,
};

const RANK: Readonly<Record<Role, number>> = {
  [Role.UNSPECIFIED]: 0,
  [Role.READER]: 1,
  [Role.WRITER]: 2,
  [Role.ADMIN]: 3,
};

/** True when `role` may do what `required` may. */
export function roleAllows(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

/**
 * Throws PERMISSION_DENIED unless `principal` may call `method`. An RPC
 * missing from the table is refused (fail closed).
 */
export function authorize(principal: Principal, method: string): void {
  const required = REQUIRED_ROLE[method];
  if (required === undefined || !roleAllows(principal.role, required)) {
    const need = required === undefined ? 'an unknown role' : Role[required];
    throw new RecordStoreError(
      'PERMISSION_DENIED',
      `${method} needs role ${need}; key ${principal.name} is ${Role[principal.role]}`,
    );
  }
}
