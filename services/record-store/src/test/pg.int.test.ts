/**
 * The shared record-store suite on the test environment's PostgreSQL server:
 * a fresh database per part.
 */
import { useTestEnv } from '@nightglow/testenv';
import { createPgDb } from '../db/pg-db.js';
import { freshDatabase } from './pg-support.js';
import { alertsSuite } from './suite-alerts.js';
import { apiSuite } from './suite-api.js';
import { ingestSuite } from './suite-ingest.js';
import { recordsSuite } from './suite-records.js';

const open = async () => createPgDb({ url: await freshDatabase(useTestEnv().postgres.url), maxConnections: 4 });

ingestSuite(open);
recordsSuite(open);
apiSuite(open);
alertsSuite(open);
