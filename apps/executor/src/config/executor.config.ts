import { hostname } from 'node:os';
import { z } from 'zod';
import {
  commonConfigShape,
  envBoolean,
  envInt,
  envList,
  mapCommonConfig,
  type CommonConfig,
} from '@koji-farm/config';
import { arch, HEARTBEAT_INTERVAL_MS, HEARTBEATS_BEFORE_GONE, identifier } from '@koji-farm/contracts';
import { DEFAULT_DELIVERY_LIMIT } from '@koji-farm/messaging';
import { envKeyValueList } from './key-value-list';

const imageRef = z.string().regex(/^[a-z0-9][a-z0-9._\-/:@]{0,254}$/i, 'expected an image reference');
const labelKey = z
  .string()
  .regex(/^io\.koji-farm\.[a-z0-9][a-z0-9._-]*$/, 'expected a label key under io.koji-farm.');
const network = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.:-]*$/, 'expected none, host, bridge or a network name');
const seconds = (min: number) => envInt({ min });
const text = z.string().regex(/^[^\n\r\0]{1,200}$/, 'expected one line of text');

/**
 * Environment keys of the executor; names follow the prior project (koji-adjutant)
 * where one existed (`adjutant_task_image_default` → TASK_IMAGE_DEFAULT,
 * `container_timeouts` → the *_TIMEOUT_SECONDS keys). See ADR 0060.
 */
export const executorConfigSchema = z
  .object({
    ...commonConfigShape,
    /** Unique per replica; labels its containers and heartbeats. Defaults to the hostname. */
    EXECUTOR_ID: identifier.default(hostname()),
    /** Arches whose task queues this executor consumes. */
    ARCHES: envList(arch).default(['x86_64', 'noarch']),
    /** Container slots: prefetch of the arch queues and the number of tasks run at once. */
    SLOTS: envInt({ min: 1, max: 64 }).default(2),
    /**
     * Orchestration slots: parent tasks (build, newRepo, ...) consumed from
     * `koji.tasks.orchestrate` and run at once. They call the hub and wait on their
     * children, holding no container; 0 = this replica runs no parent tasks.
     */
    ORCHESTRATION_SLOTS: envInt({ min: 0, max: 1000 }).default(20),
    /**
     * How often a waiting parent task asks the hub about its children (`host.taskWait`)
     * and a repo wait asks about its repo. kojid sleeps until its main loop sees the
     * hub's alert, or 6 s (RepoWatcher), 60 s (waitrepo).
     */
    ORCHESTRATION_POLL_MS: envInt({ min: 50 }).default(2000),
    /** How long a build or waitrepo task waits for a repo before it fails (kojid: 120 min). */
    REPO_WAIT_TIMEOUT_MINUTES: envInt({ min: 1 }).default(120),
    /** Podman's Docker-compatible API socket (root-only: the executor runs as root). */
    PODMAN_SOCKET: z
      .string()
      .startsWith('/', 'expected an absolute socket path')
      .default('/run/podman/podman.sock'),
    /** Redeliveries before a task message is dead-lettered; must match the poller's. */
    DELIVERY_LIMIT: envInt({ min: 0, max: 100 }).default(DEFAULT_DELIVERY_LIMIT),

    /** Image of a task's container when neither the tag's extra key nor TASK_IMAGE_BY_TAG names one (ADR 0060). */
    TASK_IMAGE_DEFAULT: imageRef.default('localhost/koji-farm-buildroot:bookworm'),
    /** Per build tag images: `tag=image,tag2=image2`. */
    TASK_IMAGE_BY_TAG: envKeyValueList(z.string().min(1), imageRef).default({}),
    /** Let the build tag's `extra` name the image (key TASK_IMAGE_EXTRA_KEY); it wins over the map. */
    TASK_IMAGE_HUB_POLICY: envBoolean().default(true),
    /** The tag `extra` key that names the image. */
    TASK_IMAGE_EXTRA_KEY: z.string().min(1).default('koji-farm.image'),
    /**
     * `clean` (default): the task image is only the bootstrap; the group and the SRPM's
     * BuildRequires are installed from the tag's repo into a root of their own and the
     * build runs in it (mock's way, ADR 0079). `image`: the build runs in the image
     * itself (for images that are a complete buildroot). A tag's
     * `extra['koji-farm.buildroot']` (clean or image) wins.
     */
    BUILDROOT_MODE: z.enum(['clean', 'image']).default('clean'),
    /**
     * Buildroot snapshots (ADR 0080): a clean root is kept as a local image after its
     * group install and the next task with the same bootstrap image, repo, arch, group
     * and plan files starts from it. false: every clean buildroot installs its group.
     */
    BUILDROOT_SNAPSHOTS: envBoolean().default(true),
    /** Image repository of the snapshots (tag: a hash of their key). */
    SNAPSHOT_REPO: imageRef.default('localhost/koji-farm-snapshot'),
    /** Snapshots kept; the least recently used beyond this are removed. */
    SNAPSHOT_MAX_COUNT: envInt({ min: 1 }).default(8),
    /** Size budget of the snapshots (MiB); the least recently used beyond it are removed. */
    SNAPSHOT_MAX_SIZE_MB: envInt({ min: 1 }).default(20480),
    /** `never`, `if-not-present` or `always` pull the task image before a task. */
    IMAGE_PULL_POLICY: z.enum(['never', 'if-not-present', 'always']).default('if-not-present'),

    /** Extra labels on every container, e.g. `io.koji-farm.test=true` in tests. */
    CONTAINER_LABELS: envKeyValueList(labelKey, z.string()).default({}),
    /** Network of the steps that fetch from the hub (the group install). */
    FETCH_NETWORK: network.default('host'),
    /** `none`: the build runs without network (mock's rpmbuild_networking=False); `fetch`: as FETCH_NETWORK. */
    BUILD_NETWORK: z.enum(['none', 'fetch']).default('none'),
    /** Memory limit of each task container (MiB); unset: none. */
    CONTAINER_MEMORY_MB: envInt({ min: 16 }).optional(),
    /** CPU limit of each task container (e.g. 1.5); unset: none. */
    CONTAINER_CPUS: z.coerce.number().positive().optional(),
    /** Process limit of each task container; unset: Podman's default. */
    CONTAINER_PIDS_LIMIT: envInt({ min: 16 }).optional(),
    /** tmpfs on /builddir with this size (e.g. `4g`); unset: /builddir is on the container's disk. */
    BUILDDIR_TMPFS_SIZE: z
      .string()
      .regex(/^\d+[kmg]?$/, 'expected a size such as 4g')
      .optional(),

    /** Limit on each exec except the build (the prior project's `container_timeouts`). */
    STEP_TIMEOUT_SECONDS: seconds(1).default(3600),
    /** Limit on the build exec (kojid's rpmbuild_timeout, 24 h). */
    BUILD_TIMEOUT_SECONDS: seconds(1).default(86400),
    /** Limit on a whole attempt of a task. */
    TASK_TIMEOUT_SECONDS: seconds(1).default(90000),

    /**
     * kojid's `allowed_scms`: space-separated `host:repository[:use_common[:source_cmd]]`
     * rules (glob patterns; `!host:repository` blocks; `source_cmd` with commas for
     * spaces, empty for none) that buildSRPMFromSCM checks a source URL against. Empty:
     * no SCM is allowed.
     */
    ALLOWED_SCMS: z
      .string()
      .regex(/^[^\n\r\0]*$/, 'expected one line of rules')
      .default(''),
    /**
     * kojid's allow_password_in_scm_url. git gets the password from a credential helper
     * (http and https), never on a command line; results and errors show it as `***`.
     */
    ALLOW_PASSWORD_IN_SCM_URL: envBoolean().default(false),
    /** The buildroot image with git (scripts/setup-host.sh builds it) for buildSRPMFromSCM. */
    SCM_IMAGE: imageRef.default('localhost/koji-farm-buildroot:bookworm-scm'),
    /**
     * The hub's KojiDir as this host sees it (an NFS mount, read-only is enough). When set,
     * createrepo reads the repo's package list and packages from it, as kojid does;
     * otherwise through the hub's topurl (every package downloaded).
     */
    KOJI_DIR_MOUNT: z.string().startsWith('/', 'expected an absolute path').optional(),
    /** Host directory for downloads, logs and results of running tasks. */
    WORK_DIR: z.string().startsWith('/', 'expected an absolute path').default('/var/tmp/koji-farm/executor'),
    /** Below this much free space under WORK_DIR the executor takes no container tasks (kojid's `minspace`, MB). */
    MIN_FREE_SPACE_MB: envInt({ min: 0 }).default(8192),
    /**
     * A task that met Podman unreachable waits this long for it to answer again and then
     * starts over in the same attempt, handing nothing back; past it, the task goes back
     * to its queue. Podman restarts shorter than this fail no task and use no delivery.
     */
    PODMAN_OUTAGE_WAIT_SECONDS: seconds(0).default(300),
    /** Keep a failed task's container (running, for `podman exec`) until the reaper's TTL. */
    KEEP_FAILED_CONTAINERS: envBoolean().default(false),
    /** How long a kept failed container stays before the reaper removes it. */
    KEPT_CONTAINER_TTL_SECONDS: seconds(1).default(3600),
    /** How often the orphan reaper runs (and once at start). */
    REAPER_INTERVAL_SECONDS: seconds(1).default(60),
    /** An executor whose heartbeats stopped this long ago is gone: its containers are orphans. */
    EXECUTOR_GONE_AFTER_SECONDS: seconds(1).default((HEARTBEAT_INTERVAL_MS * HEARTBEATS_BEFORE_GONE) / 1000),
    /** How often the executor publishes its heartbeat (slots, busy, methods). */
    HEARTBEAT_INTERVAL_MS: envInt({ min: 100 }).default(HEARTBEAT_INTERVAL_MS),
    /** SIGTERM: how long running tasks may go on before they are requeued and their containers removed. */
    SHUTDOWN_GRACE_SECONDS: seconds(0).default(30),
    /** How often growing logs are uploaded to the hub while a step runs (kojid: about 1 s). */
    LOG_UPLOAD_INTERVAL_MS: envInt({ min: 100 }).default(1000),

    /**
     * Task events of running builds kept in memory while RabbitMQ is unreachable, in MB
     * for the whole executor; past it, log chunks are left out (ADR 0083).
     */
    EVENT_BACKLOG_MB: envInt({ min: 1 }).default(32),
    /**
     * The per-task lease in Redis (ADR 0083): how long it outlives its holder's last
     * renewal (renewed every third of it). Another executor takes a task over as a new
     * attempt only once its lease expired.
     */
    TASK_LEASE_TTL_SECONDS: seconds(2).default(30),
    /**
     * How long an executor that was given a task whose lease another one holds waits for
     * it to end before handing the message back to the queue (as a fresh copy: no
     * delivery counted).
     */
    TASK_LEASE_WAIT_SECONDS: seconds(1).default(60),

    /** Hub connection retries (kojid: 30 retries, 20 s apart). */
    HUB_RETRIES: envInt({ min: 0 }).default(30),
    /** Milliseconds between those retries. */
    HUB_RETRY_INTERVAL_MS: envInt({ min: 0 }).default(20000),
    /**
     * Seconds an attempt whose session the hub refuses (a new poller leader took the
     * host) waits for the leader's handover of a fresh subsession before it gives up (ADR 0082).
     */
    HUB_HANDOVER_WAIT_SECONDS: seconds(0).default(60),

    /** `%vendor` of every buildroot (kojid.conf's vendor). */
    BUILD_VENDOR: text.default('Koji'),
    /** `%packager` of every buildroot (kojid.conf's packager). */
    BUILD_PACKAGER: text.default('Koji'),
    /** `%distribution` of every buildroot (kojid.conf's distribution). */
    BUILD_DISTRIBUTION: text.default('Koji'),
  })
  .refine((env) => env.EXECUTOR_GONE_AFTER_SECONDS * 1000 > env.HEARTBEAT_INTERVAL_MS, {
    message: 'must be longer than HEARTBEAT_INTERVAL_MS, or live executors look gone between heartbeats',
    path: ['EXECUTOR_GONE_AFTER_SECONDS'],
  })
  .transform((env) => ({
    ...mapCommonConfig(env),
    executorId: env.EXECUTOR_ID,
    arches: env.ARCHES,
    slots: env.SLOTS,
    orchestrationSlots: env.ORCHESTRATION_SLOTS,
    orchestration: {
      pollMs: env.ORCHESTRATION_POLL_MS,
      repoWaitTimeoutMs: env.REPO_WAIT_TIMEOUT_MINUTES * 60_000,
    },
    podmanSocket: env.PODMAN_SOCKET,
    deliveryLimit: env.DELIVERY_LIMIT,
    image: {
      defaultImage: env.TASK_IMAGE_DEFAULT,
      byTag: env.TASK_IMAGE_BY_TAG,
      hubPolicy: env.TASK_IMAGE_HUB_POLICY,
      extraKey: env.TASK_IMAGE_EXTRA_KEY,
      pullPolicy: env.IMAGE_PULL_POLICY,
    },
    buildrootMode: env.BUILDROOT_MODE,
    snapshots: {
      enabled: env.BUILDROOT_SNAPSHOTS,
      repo: env.SNAPSHOT_REPO,
      maxCount: env.SNAPSHOT_MAX_COUNT,
      maxBytes: env.SNAPSHOT_MAX_SIZE_MB * 1024 * 1024,
    },
    containers: {
      labels: env.CONTAINER_LABELS,
      fetchNetwork: env.FETCH_NETWORK,
      buildNetwork: env.BUILD_NETWORK,
      memoryBytes: env.CONTAINER_MEMORY_MB === undefined ? undefined : env.CONTAINER_MEMORY_MB * 1024 * 1024,
      cpus: env.CONTAINER_CPUS,
      pidsLimit: env.CONTAINER_PIDS_LIMIT,
      builddirTmpfsSize: env.BUILDDIR_TMPFS_SIZE,
      keepFailed: env.KEEP_FAILED_CONTAINERS,
      keptTtlMs: env.KEPT_CONTAINER_TTL_SECONDS * 1000,
    },
    timeouts: {
      stepMs: env.STEP_TIMEOUT_SECONDS * 1000,
      buildMs: env.BUILD_TIMEOUT_SECONDS * 1000,
      taskMs: env.TASK_TIMEOUT_SECONDS * 1000,
      shutdownGraceMs: env.SHUTDOWN_GRACE_SECONDS * 1000,
    },
    workDir: env.WORK_DIR,
    minFreeSpaceMb: env.MIN_FREE_SPACE_MB,
    podmanOutageWaitMs: env.PODMAN_OUTAGE_WAIT_SECONDS * 1000,
    kojiDirMount: env.KOJI_DIR_MOUNT,
    scm: {
      allowed: env.ALLOWED_SCMS,
      allowPassword: env.ALLOW_PASSWORD_IN_SCM_URL,
      image: env.SCM_IMAGE,
    },
    reaper: {
      intervalMs: env.REAPER_INTERVAL_SECONDS * 1000,
      executorGoneAfterMs: env.EXECUTOR_GONE_AFTER_SECONDS * 1000,
    },
    heartbeatIntervalMs: env.HEARTBEAT_INTERVAL_MS,
    logUploadIntervalMs: env.LOG_UPLOAD_INTERVAL_MS,
    hub: {
      retries: env.HUB_RETRIES,
      retryIntervalMs: env.HUB_RETRY_INTERVAL_MS,
      handoverWaitMs: env.HUB_HANDOVER_WAIT_SECONDS * 1000,
    },
    eventBacklogBytes: env.EVENT_BACKLOG_MB * 1024 * 1024,
    lease: { ttlMs: env.TASK_LEASE_TTL_SECONDS * 1000, waitMs: env.TASK_LEASE_WAIT_SECONDS * 1000 },
    buildHost: {
      vendor: env.BUILD_VENDOR,
      packager: env.BUILD_PACKAGER,
      distribution: env.BUILD_DISTRIBUTION,
    },
  }));

export type ExecutorConfig = z.output<typeof executorConfigSchema> & CommonConfig;
export const EXECUTOR_CONFIG = Symbol('EXECUTOR_CONFIG');
