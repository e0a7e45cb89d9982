/**
 * The shared record-store suite on PGlite (in-memory, one database per part).
 */
import { createPgliteDb } from '../db/pglite-db.js';
import { alertsSuite } from './suite-alerts.js';
import { apiSuite } from './suite-api.js';
import { ingestSuite } from './suite-ingest.js';
import { recordsSuite } from './suite-records.js';

const open = () => createPgliteDb();

ingestSuite(open);
recordsSuite(open);
apiSuite(open);
alertsSuite(open);
