/** The BrowserSession resource as the reconciler reads and writes it. */
import type { Condition } from '../controller/conditions.js';
import type { KubeObject } from '../kube/kube-api.js';

/** A BrowserSession's phase. */
export type SessionPhase = 'Pending' | 'Queued' | 'Starting' | 'Ready' | 'Closing' | 'Closed' | 'Failed';

/** A BrowserSession object. */
export type BrowserSession = KubeObject & {
  spec: { pool: string; isolation?: 'Context' | 'Browser'; ttl?: string; idleTimeout?: string; startUrl?: string };
  status?: {
    phase?: SessionPhase;
    sessionId?: string;
    cdpEndpoint?: string;
    tokenSecretName?: string;
    browserId?: string;
    queuePosition?: number;
    expireTime?: string;
    readyTime?: string;
    closeReason?: string;
    message?: string;
    observedGeneration?: number;
    conditions?: Condition[];
  };
};
