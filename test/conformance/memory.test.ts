import { MemoryStorage } from 'opd-scheduler';
import { describeStorageConformance } from 'opd-scheduler/testing';
import { SERIES_KIND } from './series-kind.js';

// One store per process: "another handle" on it is the same instance, shared by two schedulers.
describeStorageConformance(
  'MemoryStorage',
  async () => {
    const storage = new MemoryStorage();
    return { storage, share: async () => storage };
  },
  { capabilities: { tail: true, shared: true, multiDoctor: true, patientTokens: true, patientData: true, facilities: true }, claimKinds: [SERIES_KIND] },
);
