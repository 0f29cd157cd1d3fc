/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Container networking: network namespaces, CNI networks (the Debian
 * containernetworking-plugins in /usr/lib/cni), published ports, the
 * per-container /etc/resolv.conf, /etc/hosts and /etc/hostname, and
 * traffic counters.
 *
 * How the engine composes these for a container in bridge mode:
 *   start: netns_create(RUNROOT/netns, id)        -> netns path (lo is up)
 *          cni_network_add(ctx, net, {id, path, ports}) for each network
 *          etcfiles_*_format() with the result's IP -> bind-mounted files
 *   stop:  cni_network_del(ctx, net->name, {id, path, ports}) for each
 *          network, *before* netns_remove(path): the bridge plugin finds
 *          the addresses whose masquerade rules it must delete inside the
 *          namespace, so a namespace removed first leaks those two rules
 *          (the lease, veth, portmap and firewall rules still go).
 * Mode none is netns_create alone; host, container:ID and ns:PATH create
 * nothing (ns:PATH is checked with netns_path_check).
 *
 * Everything here is safe to call from several threads at once. */

#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* ------------------------------------------------------------------ */
/* Network modes (Create.net_mode)                                     */

typedef enum NetworkModeKind {
        NETWORK_MODE_BRIDGE,    /* a new netns joined to CNI networks */
        NETWORK_MODE_NONE,      /* a new netns with only lo */
        NETWORK_MODE_HOST,      /* the host's netns */
        NETWORK_MODE_CONTAINER, /* another container's netns */
        NETWORK_MODE_NS,        /* an existing netns given by path */
} NetworkModeKind;

typedef struct NetworkMode {
        NetworkModeKind kind;
        /* CONTAINER: the name or ID as given; NS: the path. Else NULL. */
        char *target;
        /* BRIDGE: the CNI network names of a comma list, NULL-terminated;
         * NULL for "bridge" / "" / "default" (the default network). */
        char **networks;
} NetworkMode;

/* Parses podman's net_mode: "" or "bridge" or "default", "none", "host",
 * "container:NAME", "ns:/path", or a comma list of CNI network names.
 * "slirp4netns" is ERR_NOT_SUPPORTED (varpod runs as root); anything else
 * malformed is ERR_INVALID_ARGUMENT. Fills *ret only on success; release
 * with network_mode_clear. */
int network_mode_parse(const char *text, NetworkMode *ret, Error **err) _must_check_;
void network_mode_clear(NetworkMode *m);
/* The canonical text ("bridge", "none", "container:x", "a,b"); new string. */
char *network_mode_format(const NetworkMode *m);
/* True when the mode needs a namespace of its own (bridge, none). */
bool network_mode_has_own_netns(const NetworkMode *m);

/* ------------------------------------------------------------------ */
/* Network namespaces (netns.c)                                        */

/* Creates a persistent network namespace at DIR/NAME: a new namespace is
 * unshared in a short-lived thread, its loopback brought up, and
 * /proc/thread-self/ns/net bind-mounted onto the file. DIR is created if
 * needed and turned into a private mount point (once) so the bind mounts
 * under it never propagate into other mount namespaces. NAME is one path
 * component. ERR_EXISTS when DIR/NAME already exists. *ret_path (may be
 * NULL) receives "DIR/NAME", a new string. */
int netns_create(const char *dir, const char *name, char **ret_path, Error **err) _must_check_;

/* Unmounts and unlinks a namespace made by netns_create. Idempotent: a
 * missing file or a file that is no longer mounted is fine. The namespace
 * itself lives on while any process (or socket) still uses it. */
int netns_remove(const char *path, Error **err) _must_check_;

/* Fails with ERR_INVALID_ARGUMENT unless path is a network namespace
 * (an nsfs file: /proc/PID/ns/net or a bind mount of one). */
int netns_path_check(const char *path, Error **err) _must_check_;

/* Runs fn(userdata, err) in a new thread that has joined the namespace at
 * path, and returns what fn returned (its error in *err). Files and
 * sockets fn opens stay usable afterwards: a socket belongs to the
 * namespace it was created in. fn must not create threads that expect to
 * be in the namespace, nor call fork-based helpers that read /proc/self/net
 * (that shows the main thread's namespace; use /proc/thread-self/net). */
typedef int (*NetnsFunc)(void *userdata, Error **err);
int netns_run(const char *path, NetnsFunc fn, void *userdata, Error **err) _must_check_;

/* ------------------------------------------------------------------ */
/* Published ports (port.c)                                            */

/* Most mappings one container may have once ranges are expanded. */
#define PORT_MAPPINGS_MAX 65535u

typedef enum PortProtocol {
        PORT_PROTOCOL_TCP,
        PORT_PROTOCOL_UDP,
        PORT_PROTOCOL_SCTP,
} PortProtocol;

typedef struct PortMapping {
        char host_ip[INET6_ADDRSTRLEN]; /* "" for all addresses; no brackets */
        /* 0: a free port is chosen by port_mappings_assign. When
         * host_port_end > host_port, port_mappings_assign picks a free one
         * in [host_port, host_port_end] ("8000-8010:80"). */
        uint16_t host_port;
        uint16_t host_port_end;
        uint16_t container_port;
        PortProtocol protocol;
} PortMapping;

/* "tcp", "udp", "sctp". */
const char *port_protocol_name(PortProtocol p);

/* Parses one publish string `[ip:][hostPort:]containerPort[/proto]` and
 * appends its mappings to *mappings (*n of them; both may start as
 * NULL/0). Ports and ranges ("8080-8082:80-82/udp") expand to one mapping
 * per port; equal-length ranges pair up; a host range with one container
 * port is a pool to choose from; "127.0.0.1::80" and "80" leave the host
 * port to port_mappings_assign. IPv6 host addresses may be bracketed
 * ("[::1]:8080:80"). Errors (ERR_INVALID_ARGUMENT) quote the spec and say
 * which part is wrong; *mappings and *n are unchanged on failure. */
int port_publish_parse(const char *spec, PortMapping **mappings, size_t *n,
                       Error **err) _must_check_;

/* Parses an exposed port `port[/proto]` or `start-end[/proto]` into its
 * inclusive range. */
int port_exposed_parse(const char *spec, uint16_t *ret_start, uint16_t *ret_end,
                       PortProtocol *ret_protocol, Error **err) _must_check_;

/* publish_all: appends a mapping with a host port still to choose for every
 * port of the exposed specs whose container port and protocol are not
 * already published. */
int port_mappings_add_exposed(PortMapping **mappings, size_t *n, const char *const *exposed,
                              Error **err) _must_check_;

/* Gives every mapping without a fixed host port a free one (asking the
 * kernel: bind port 0, or each port of the pool, on host_ip), then
 * refuses two mappings that claim the same host port and protocol on
 * overlapping addresses (ERR_EXISTS). Ports chosen for one call are held
 * until the end of it, so they are distinct. */
int port_mappings_assign(PortMapping *mappings, size_t n, Error **err) _must_check_;

typedef enum PortJsonFormat {
        /* ListContainerData.ports: {host_port, host_ip, protocol,
         * container_port}, ports as decimal strings. */
        PORT_JSON_LIST,
        /* CNI runtimeConfig.portMappings and inspect NetworkSettings.Ports:
         * {hostPort, containerPort, protocol, hostIP}, ports as numbers. */
        PORT_JSON_CNI,
} PortJsonFormat;

/* An array in the given format (an empty array for none); new reference.
 * Mappings must be assigned (host_port set). */
json_t *port_mappings_to_json(const PortMapping *mappings, size_t n, PortJsonFormat format);
/* Reads an array written by port_mappings_to_json (either format), e.g.
 * from the database. *ret is NULL when there are none. */
int port_mappings_from_json(const json_t *array, PortMapping **ret, size_t *ret_n,
                            Error **err) _must_check_;

/* ------------------------------------------------------------------ */
/* /etc/resolv.conf, /etc/hosts, /etc/hostname (etcfiles.c)            */

#define ETCFILES_SIZE_MAX (1024u * 1024u) /* largest host file read */
#define ETCFILES_HOSTNAME_MAX 64u         /* the kernel's HOST_NAME_MAX */

/* Reads a host file (following symlinks: resolv.conf often is one) of at
 * most ETCFILES_SIZE_MAX bytes; a missing file gives "" (no error). */
int etcfiles_read(const char *path, char **ret, Error **err) _must_check_;

typedef struct ResolvOptions {
        const char *host_text;          /* the host's resolv.conf; NULL: empty */
        const char *const *dns_servers; /* NULL-terminated; NULL or empty: the host's */
        const char *const *dns_search;  /* "." among them: no search line at all */
        const char *const *dns_opt;
        /* The container has its own namespace: the host's loopback
         * nameservers (127.x, ::1, e.g. systemd-resolved's 127.0.0.53)
         * cannot be reached from there and are dropped. Should none remain,
         * the file has no nameserver (we do not invent public ones). */
        bool private_netns;
} ResolvOptions;

/* The container's resolv.conf: `search`, `nameserver` lines, `options`, in
 * podman's order; each of the three taken from the options when given,
 * else from the host's file. Bad servers (not an IP address), search
 * domains or options (empty, whitespace) are ERR_INVALID_ARGUMENT. *ret
 * is a new string. */
int etcfiles_resolv_format(const ResolvOptions *o, char **ret, Error **err) _must_check_;

typedef struct HostsOptions {
        /* Text to start from (host mode: the host's /etc/hosts). NULL:
         * the localhost lines for 127.0.0.1 and ::1. */
        const char *base;
        const char *const *host_add; /* "name:ip", NULL-terminated */
        const char *hostname;        /* may be NULL */
        const char *name;            /* container name, an alias; may be NULL */
        /* The container's address; NULL (no network of its own): no line
         * for the hostname, as podman does. */
        const char *ip;
} HostsOptions;

/* The container's /etc/hosts: base, then "IP\tNAME" per host_add entry,
 * then "IP\tHOSTNAME NAME". A malformed entry is ERR_INVALID_ARGUMENT. */
int etcfiles_hosts_format(const HostsOptions *o, char **ret, Error **err) _must_check_;

/* Splits a host_add entry "name:ip" (the ip may be IPv6: "h:::1"),
 * checking both; new strings. */
int etcfiles_host_entry_parse(const char *entry, char **ret_name, char **ret_ip,
                              Error **err) _must_check_;

/* "HOSTNAME\n" after checking the name (1-64 bytes, no whitespace, no
 * control characters, no '/'). */
int etcfiles_hostname_format(const char *hostname, char **ret, Error **err) _must_check_;

/* ------------------------------------------------------------------ */
/* Traffic counters (netstats.c)                                       */

typedef struct NetStats {
        uint64_t rx_bytes, tx_bytes;
        uint64_t rx_packets, tx_packets;
} NetStats;

/* Sums the counters of every interface but lo in /proc/net/dev text. */
int netstats_parse(const char *text, NetStats *ret, Error **err) _must_check_;
/* The counters of the namespace at path (read from inside it). */
int netstats_read(const char *netns_path, NetStats *ret, Error **err) _must_check_;

/* ------------------------------------------------------------------ */
/* CNI (cni-conf.c, cni-result.c, cni.c)                               */

/* Limits where CNI data enters. */
#define CNI_CONF_SIZE_MAX (1024u * 1024u)   /* a network config file */
#define CNI_OUTPUT_MAX (1024u * 1024u)      /* a plugin's stdout or stderr */
#define CNI_PLUGIN_TIMEOUT_MS (60u * 1000u) /* one plugin call */

#define CNI_DEFAULT_CONFIG_DIR "/etc/cni/net.d"
#define CNI_DEFAULT_PLUGIN_PATH "/usr/lib/cni:/usr/libexec/cni:/usr/local/lib/cni:/opt/cni/bin"
#define CNI_VERSION "0.4.0"
/* The default network varpod writes when it finds none: its own name,
 * bridge and subnet, so it never meets a Podman installed beside it
 * (cni-podman0, 10.88.0.0/16). */
#define CNI_DEFAULT_NETWORK "varpod"
#define CNI_DEFAULT_BRIDGE "varpod0"
#define CNI_DEFAULT_SUBNET "10.89.0.0/24"
#define CNI_DEFAULT_GATEWAY "10.89.0.1"
#define CNI_DEFAULT_FILE "88-varpod-bridge.conflist"

/* Where the engine keeps its CNI things. Strings owned by the context. */
typedef struct CniContext {
        char *config_dir;  /* network configs (--cni-config-dir) */
        char *plugin_path; /* CNI_PATH: plugin directories, ':'-separated */
        char *cache_dir;   /* config + result of each attachment, for DEL */
        char *ipam_dir;    /* host-local dataDir of the default network */
        /* What the default network looks like when written. */
        char *default_network, *default_bridge, *default_subnet, *default_gateway;
} CniContext;

/* config_dir NULL: CNI_DEFAULT_CONFIG_DIR; plugin_path NULL:
 * CNI_DEFAULT_PLUGIN_PATH. State lives under run_root/cni (results cache,
 * IPAM allocations): it describes namespaces that die with a reboot, so a
 * tmpfs run root forgets them together. */
CniContext *cni_context_new(const char *config_dir, const char *plugin_path, const char *run_root);
CniContext *cni_context_free(CniContext *c);
DEFINE_CLEANUP(CniContext, cni_context_free)

/* One network config, normalised to a conflist. */
typedef struct CniNetwork {
        char *name;
        char *cni_version;
        char *path;   /* the file it came from */
        json_t *conf; /* {cniVersion, name, plugins: [...]} */
} CniNetwork;

CniNetwork *cni_network_free(CniNetwork *n);
DEFINE_CLEANUP(CniNetwork, cni_network_free)

/* Parses one config file's text: a .conflist ({name, cniVersion,
 * plugins}) or, when is_conflist is false, a single-plugin .conf ({name,
 * cniVersion, type, ...}) wrapped into a conflist. Checks the name (CNI's
 * [a-zA-Z0-9][a-zA-Z0-9_.-]*), the version and each plugin's type. */
int cni_network_parse(const char *text, bool is_conflist, const char *path, CniNetwork **ret,
                      Error **err) _must_check_;

/* Every network in dir (*.conflist, *.conf, *.json), in file name order as
 * libcni sorts them; a name defined twice keeps its first file. Invalid
 * files are skipped; their errors are joined into *ret_skipped (may be
 * NULL; NULL when none). A missing dir is an empty list. */
int cni_network_list(const char *dir, CniNetwork ***ret, size_t *ret_n, char **ret_skipped,
                     Error **err) _must_check_;
void cni_network_list_free(CniNetwork **list, size_t n);

/* The network called name in ctx->config_dir. name NULL means the default:
 * ctx->default_network when present, else the first network in name
 * order (as ocicni picks); when the directory holds no network at all,
 * the default conflist is written first (bridge with isGateway, ipMasq,
 * hairpinMode and host-local IPAM, portmap, firewall). ERR_NOT_FOUND,
 * naming the skipped invalid files, when name is unknown. */
int cni_network_load(const CniContext *ctx, const char *name, CniNetwork **ret,
                     Error **err) _must_check_;

/* The default conflist for ctx (what cni_network_load writes); new ref. */
json_t *cni_default_conflist(const CniContext *ctx);

typedef struct CniInterface {
        char *name;
        char *mac;     /* may be NULL */
        char *sandbox; /* netns path for container-side interfaces, else NULL */
} CniInterface;

typedef struct CniIp {
        int family;                     /* AF_INET or AF_INET6 */
        char address[INET6_ADDRSTRLEN]; /* without the prefix length */
        unsigned prefix_len;
        char gateway[INET6_ADDRSTRLEN]; /* "" when none */
        int interface;                  /* index into interfaces, -1 when unknown */
} CniIp;

typedef struct CniResult {
        char *cni_version;
        CniInterface *interfaces;
        size_t n_interfaces;
        CniIp *ips;
        size_t n_ips;
        json_t *json; /* the result as printed by the last plugin */
} CniResult;

/* Reads a CNI result: the 0.3.x/0.4.0/1.0.0 shape ({interfaces, ips,
 * routes, dns}) or the 0.1/0.2 one ({ip4, ip6}). Keeps a reference to j. */
int cni_result_parse(json_t *j, CniResult **ret, Error **err) _must_check_;
CniResult *cni_result_free(CniResult *r);
DEFINE_CLEANUP(CniResult, cni_result_free)
/* The first address of that family on a container-side interface (or on
 * no named interface); NULL when none. */
const CniIp *cni_result_ip(const CniResult *r, int family);
/* The MAC of the container-side interface ifname (NULL: the first one). */
const char *cni_result_mac(const CniResult *r, const char *ifname);

/* What one attachment of a container to a network is about. */
typedef struct CniAttachment {
        const char *container_id; /* [a-zA-Z0-9][a-zA-Z0-9_.-]* */
        const char *netns_path;
        const char *ifname; /* NULL: "eth0" */
        /* Extra CNI_ARGS ("IP=10.89.0.9;K=V"), appended after
         * IgnoreUnknown=1; may be NULL. */
        const char *args;
        const PortMapping *ports; /* assigned; given to plugins that ask for portMappings */
        size_t n_ports;
} CniAttachment;

/* ADD: runs the network's plugins in order (CNI spec 0.4.0), each given
 * the previous one's result as prevResult and, when it declares the
 * capability, runtimeConfig.portMappings. The final result is cached under
 * ctx->cache_dir (DEL needs it) and returned in *ret (may be NULL). When a
 * plugin fails, the plugins are run with DEL in reverse so nothing stays
 * behind, and the error names the plugin and carries its CNI error code
 * and message. ERR_EXISTS when the attachment is cached already (after a
 * crash, cni_network_del first clears it). */
int cni_network_add(const CniContext *ctx, const CniNetwork *net, const CniAttachment *a,
                    CniResult **ret, Error **err) _must_check_;

/* DEL: runs the plugins of the network called name in reverse, with the
 * config and result cached by ADD (the current config when nothing is
 * cached; nothing at all when the network is unknown too). Idempotent:
 * detaching twice, or after the namespace is gone, succeeds. Every
 * plugin runs even when one fails (the first error is returned and the
 * cache kept for a retry), so a failure leaves as little behind as
 * possible. The port mappings come from the cache too; without one, a's
 * ports are used and must be those given to ADD (portmap's DEL finds
 * nothing to delete without them). Call it before netns_remove (see the
 * top of this file). */
int cni_network_del(const CniContext *ctx, const char *name, const CniAttachment *a,
                    Error **err) _must_check_;

/* The cached result of an attachment (e.g. after the service restarted),
 * or ERR_NOT_FOUND. */
int cni_network_cached_result(const CniContext *ctx, const char *network, const CniAttachment *a,
                              CniResult **ret, Error **err) _must_check_;
