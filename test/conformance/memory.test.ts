import { MemoryStorage } from 'opd-scheduler';
import { describeStorageConformance } from 'opd-scheduler/testing';

describeStorageConformance('MemoryStorage', async () => ({ storage: new MemoryStorage() }));
