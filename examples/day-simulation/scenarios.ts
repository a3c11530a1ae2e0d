import { WAYS_IN, type WaysIn } from './arrivals.js';
import { Random } from './random.js';
import { istInstant, MINUTE } from './time.js';

/** The scenarios `--scenario` accepts. */
export const SCENARIO_NAMES = ['three-doctors', 'hospital', 'doctor-leave', 'department'] as const;

/** A scenario name. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** The simulated date: a Monday, the busiest OPD day of the week. */
export const SIM_DAY = '2026-02-02';

/** Doctors in the full `hospital` scenario. */
export const HOSPITAL_DOCTORS = 200;

/** One slot a doctor publishes. */
export interface SlotPlan {
  readonly id: string;
  readonly start: number;
  readonly end: number;
  readonly capacity: number;
  readonly overflowCapacity: number;
}

/** A doctor who leaves early: at `announceAt` the desk closes every slot from `fromSlot` on. */
export interface LeavePlan {
  readonly announceAt: number;
  readonly fromSlot: number;
  readonly reason: string;
}

/** Who a department sees: the share of patients aged 60 or more, and whether it sees children only. */
export interface AgeProfile {
  readonly seniorShare: number;
  readonly children: boolean;
  readonly childShare: number;
}

/** One doctor of the scenario and the demand on them. */
export interface DoctorPlan {
  readonly id: string;
  readonly name: string;
  readonly department: string;
  readonly consultMinutes: number;
  readonly slots: readonly SlotPlan[];
  /** Mean number of requests for the day (the actual number is drawn). */
  readonly expectedRequests: number;
  /** Minutes the doctor starts after the first slot's start. */
  readonly lateMinutes: number;
  readonly leave: LeavePlan | null;
  readonly ages: AgeProfile;
  /** Share of requests that are emergencies (trauma-heavy departments see more). */
  readonly emergencyShare: number;
  /** Several emergencies at once (a road accident), on top of the usual ones. */
  readonly bursts: readonly Burst[];
}

/** Emergencies arriving together: `count` of them within 15 minutes from `at`. */
export interface Burst {
  readonly at: number;
  readonly count: number;
}

/** A simulated OPD day. */
export interface Scenario {
  readonly name: ScenarioName;
  /** Scenarios with the same key draw the same patients from the same seed. */
  readonly patientsKey: string;
  readonly title: string;
  readonly day: string;
  /** When the online portal opens and the simulation starts. */
  readonly startsAt: number;
  readonly doctors: readonly DoctorPlan[];
  /** The shares of patients who come by ABDM Scan & Share and by UHI. */
  readonly waysIn: WaysIn;
}

interface Department {
  readonly key: string;
  readonly name: string;
  readonly doctors: number;
  /** Places per hourly slot. */
  readonly perHour: number;
  readonly ages: AgeProfile;
  readonly emergencyShare: number;
}

const ADULTS: AgeProfile = { seniorShare: 0.22, children: false, childShare: 0.06 };
const OLDER: AgeProfile = { seniorShare: 0.38, children: false, childShare: 0.02 };
const CHILDREN: AgeProfile = { seniorShare: 0, children: true, childShare: 1 };
const WOMEN: AgeProfile = { seniorShare: 0.08, children: false, childShare: 0 };

/** A 200-doctor hospital (departments and doctors per department, places per hour). */
const DEPARTMENTS: readonly Department[] = [
  { key: 'gm', name: 'General Medicine', doctors: 30, perHour: 24, ages: OLDER, emergencyShare: 0.04 },
  { key: 'paed', name: 'Paediatrics', doctors: 20, perHour: 18, ages: CHILDREN, emergencyShare: 0.05 },
  { key: 'ortho', name: 'Orthopaedics', doctors: 18, perHour: 16, ages: ADULTS, emergencyShare: 0.07 },
  { key: 'obg', name: 'Obstetrics & Gynaecology', doctors: 18, perHour: 14, ages: WOMEN, emergencyShare: 0.04 },
  { key: 'ent', name: 'ENT', doctors: 12, perHour: 18, ages: ADULTS, emergencyShare: 0.03 },
  { key: 'eye', name: 'Ophthalmology', doctors: 14, perHour: 24, ages: OLDER, emergencyShare: 0.02 },
  { key: 'derm', name: 'Dermatology', doctors: 12, perHour: 22, ages: ADULTS, emergencyShare: 0.02 },
  { key: 'card', name: 'Cardiology', doctors: 10, perHour: 12, ages: OLDER, emergencyShare: 0.06 },
  { key: 'psy', name: 'Psychiatry', doctors: 8, perHour: 8, ages: ADULTS, emergencyShare: 0.02 },
  { key: 'surg', name: 'General Surgery', doctors: 20, perHour: 16, ages: ADULTS, emergencyShare: 0.06 },
  { key: 'dent', name: 'Dental', doctors: 12, perHour: 10, ages: ADULTS, emergencyShare: 0.02 },
  { key: 'pulm', name: 'Pulmonology', doctors: 8, perHour: 16, ages: OLDER, emergencyShare: 0.05 },
  { key: 'neuro', name: 'Neurology', doctors: 8, perHour: 10, ages: OLDER, emergencyShare: 0.05 },
  { key: 'neph', name: 'Nephrology', doctors: 5, perHour: 10, ages: OLDER, emergencyShare: 0.04 },
  { key: 'endo', name: 'Endocrinology', doctors: 5, perHour: 12, ages: OLDER, emergencyShare: 0.03 },
];

const SURNAMES = [
  'Sharma',
  'Reddy',
  'Kapoor',
  'Iyer',
  'Nair',
  'Gupta',
  'Khan',
  'Das',
  'Patel',
  'Singh',
  'Menon',
  'Rao',
  'Banerjee',
  'Joshi',
  'Kulkarni',
  'Mehta',
  'Pillai',
  'Verma',
  'Yadav',
  'Bose',
  'Chatterjee',
  'Desai',
  'Ghosh',
  'Hegde',
  'Jain',
  'Kaur',
  'Mishra',
  'Naidu',
  'Pandey',
  'Qureshi',
  'Saxena',
  'Thakur',
  'Varghese',
  'Agarwal',
  'Bhat',
  'Chauhan',
  'Dutta',
  'Fernandes',
  'Goswami',
  'Krishnan',
];
const INITIALS = 'ABCDEGHJKLMNPRSTVY';

/**
 * Builds a scenario. The hospital's doctors (their demand, lateness, who leaves early) are drawn
 * from the seed; `doctors` scales the hospital down (for tests) keeping its department mix.
 */
export function buildScenario(name: ScenarioName, seed: number, doctors: number = HOSPITAL_DOCTORS): Scenario {
  const startsAt = istInstant(SIM_DAY, '06:00');
  switch (name) {
    case 'three-doctors':
      return {
        name,
        patientsKey: 'three-doctors',
        title: 'Three doctors, four slots each; a road accident brings five emergencies to Dr. Reddy from 10:55',
        day: SIM_DAY,
        startsAt,
        waysIn: WAYS_IN,
        doctors: threeDoctors(null),
      };
    case 'doctor-leave':
      return {
        name,
        // The same patients as three-doctors, so that the two days can be compared.
        patientsKey: 'three-doctors',
        title: 'Three doctors; at 10:20 Dr. Reddy is called to the operating theatre and the 11:00 and 12:00 slots close; a road accident from 10:55',
        day: SIM_DAY,
        startsAt,
        waysIn: WAYS_IN,
        doctors: threeDoctors({ announceAt: istInstant(SIM_DAY, '10:20'), fromSlot: 2, reason: 'doctor called to the operating theatre' }),
      };
    case 'department':
      return {
        name,
        patientsKey: 'department',
        title: 'One General Medicine department of four doctors, one much in demand; booking by doctor against booking by department',
        day: SIM_DAY,
        startsAt,
        waysIn: WAYS_IN,
        doctors: fourColleagues(),
      };
    case 'hospital':
      return {
        name,
        patientsKey: `hospital-${doctors}`,
        title: `A ${doctors}-doctor hospital, five hourly slots per doctor`,
        day: SIM_DAY,
        startsAt,
        waysIn: WAYS_IN,
        doctors: hospital(seed, doctors),
      };
  }
}

function hourlySlots(doctorId: string, hours: readonly string[], capacity: number): SlotPlan[] {
  return hours.map((hhmm) => {
    const start = istInstant(SIM_DAY, hhmm);
    return { id: `${doctorId}-${hhmm.replace(':', '')}`, start, end: start + 60 * MINUTE, capacity, overflowCapacity: 2 };
  });
}

const MORNING = ['09:00', '10:00', '11:00', '12:00'];

function threeDoctors(reddyLeaves: LeavePlan | null): DoctorPlan[] {
  return [
    {
      id: 'sharma',
      name: 'Dr. Sharma',
      department: 'General Medicine',
      consultMinutes: 6,
      slots: hourlySlots('sharma', MORNING, 10),
      expectedRequests: 54,
      lateMinutes: 10,
      leave: null,
      ages: OLDER,
      emergencyShare: 0.07,
      bursts: [],
    },
    {
      id: 'reddy',
      name: 'Dr. Reddy',
      department: 'Orthopaedics',
      consultMinutes: 7.5,
      slots: hourlySlots('reddy', MORNING, 8),
      expectedRequests: 37,
      lateMinutes: 0,
      leave: reddyLeaves,
      ages: ADULTS,
      emergencyShare: 0.1,
      // A road accident: five injured patients reach the orthopaedics OPD within a quarter of an hour.
      bursts: [{ at: istInstant(SIM_DAY, '10:55'), count: 5 }],
    },
    {
      id: 'kapoor',
      name: 'Dr. Kapoor',
      department: 'Paediatrics',
      consultMinutes: 5,
      slots: hourlySlots('kapoor', MORNING, 12),
      expectedRequests: 48,
      lateMinutes: 5,
      leave: null,
      ages: CHILDREN,
      emergencyShare: 0.07,
      bursts: [],
    },
  ];
}

/** The library's id of a department: its name in lower case, words joined by `-`. */
export function departmentId(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * Four doctors of one department with the same slots and very different demand: patients ask for
 * Dr. Iyer by name far beyond her places while her colleagues have room; emergencies come to her
 * door too (a burst at 10:30).
 */
function fourColleagues(): DoctorPlan[] {
  const colleague = (id: string, name: string, expectedRequests: number, bursts: readonly Burst[]): DoctorPlan => ({
    id,
    name,
    department: 'General Medicine',
    consultMinutes: 6,
    slots: hourlySlots(id, MORNING, 10),
    expectedRequests,
    lateMinutes: 5,
    leave: null,
    ages: OLDER,
    emergencyShare: 0.08,
    bursts,
  });
  return [
    colleague('iyer', 'Dr. Iyer', 70, [{ at: istInstant(SIM_DAY, '10:30'), count: 4 }]),
    colleague('menon', 'Dr. Menon', 38, []),
    colleague('rao', 'Dr. Rao', 26, []),
    colleague('das', 'Dr. Das', 18, []),
  ];
}

/**
 * Doctors spread over the departments in proportion; each doctor's demand is the department's
 * capacity times a drawn popularity (some doctors are always overbooked, some are not).
 */
function hospital(seed: number, count: number): DoctorPlan[] {
  const rng = new Random(seed).fork('hospital');
  const total = DEPARTMENTS.reduce((sum, d) => sum + d.doctors, 0);
  // Largest-remainder apportionment keeps the department mix when scaled down.
  const exact = DEPARTMENTS.map((d) => (d.doctors * count) / total);
  const counts = exact.map(Math.floor);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; counts.reduce((s, n) => s + n, 0) < count; k++) {
    const i = order[k % order.length]![1];
    counts[i] = (counts[i] ?? 0) + 1;
  }
  const hours = ['09:00', '10:00', '11:00', '12:00', '13:00'];
  const doctors: DoctorPlan[] = [];
  const used = new Set<string>();
  DEPARTMENTS.forEach((dept, d) => {
    for (let i = 1; i <= (counts[d] ?? 0); i++) {
      const id = `${dept.key}-${String(i).padStart(2, '0')}`;
      let name: string;
      do name = `Dr. ${rng.pick([...INITIALS])}. ${rng.pick(SURNAMES)}`;
      while (used.has(name));
      used.add(name);
      const slots = hourlySlots(id, hours, dept.perHour);
      const capacity = slots.reduce((sum, s) => sum + s.capacity, 0);
      const popularity = rng.lognormal(1, 0.3);
      const leaves = rng.chance(0.03);
      doctors.push({
        id,
        name,
        department: dept.name,
        consultMinutes: 60 / dept.perHour,
        slots,
        expectedRequests: capacity * 1.2 * popularity,
        lateMinutes: rng.weighted([
          [0, 5],
          [5, 3],
          [10, 2],
          [20, 1],
        ]),
        leave: leaves
          ? (() => {
              const fromSlot = rng.int(2, hours.length - 1);
              const announceAt = slots[fromSlot]!.start - rng.int(30, 75) * MINUTE;
              return {
                announceAt,
                fromSlot,
                reason: rng.pick(['doctor called to the operating theatre', 'doctor called to a ward emergency', 'doctor unwell']),
              };
            })()
          : null,
        ages: dept.ages,
        emergencyShare: dept.emergencyShare,
        bursts:
          (dept.key === 'ortho' || dept.key === 'surg') && rng.chance(0.2)
            ? [{ at: istInstant(SIM_DAY, '09:30') + rng.int(0, 150) * MINUTE, count: rng.int(2, 5) }]
            : [],
      });
    }
  });
  return doctors;
}
