/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* varlink: the protocol library of varpod (https://varlink.org).
 *
 * It knows varlink and nothing about containers: interface descriptions
 * (IDL), type checking of calls and replies, NUL-framed JSON messages, a
 * threaded server and a client. JSON values are jansson's json_t.
 *
 * Ownership: functions that take a json_t "stolen" consume one reference
 * whatever they return; "borrowed" ones do not. Every _free() accepts NULL
 * and returns NULL. Fallible functions return a negative number and fill
 * Error **err (src/common/error.h) only on failure. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

/* ------------------------------------------------------------------ */
/* Limits where input enters.                                         */

/* Largest message (JSON text without its NUL) a peer may send. */
#define VL_MESSAGE_SIZE_MAX (8u * 1024u * 1024u)
/* Deepest nesting of arrays and objects accepted in a message. */
#define VL_JSON_DEPTH_MAX 64u
/* Largest interface description accepted by the IDL parser. */
#define VL_IDL_SIZE_MAX (1024u * 1024u)

/* ------------------------------------------------------------------ */
/* Interface descriptions (idl.c).                                    */

typedef enum VlTypeKind {
        VL_TYPE_BOOL,
        VL_TYPE_INT,
        VL_TYPE_FLOAT,
        VL_TYPE_STRING,
        VL_TYPE_OBJECT, /* any JSON value ("object" in the IDL) */
        VL_TYPE_ENUM,   /* fields hold the names, their type is NULL */
        VL_TYPE_STRUCT,
        VL_TYPE_ARRAY, /* []element */
        VL_TYPE_MAP,   /* [string]element */
        VL_TYPE_MAYBE, /* ?element: may be absent or null */
        VL_TYPE_ALIAS, /* a named type of the interface: alias */
} VlTypeKind;

typedef struct VlType VlType;

typedef struct VlField {
        char *name;
        VlType *type; /* NULL for enum values */
} VlField;

struct VlType {
        VlTypeKind kind;
        VlType *element;        /* ARRAY, MAP, MAYBE */
        char *alias;            /* ALIAS: the type's name */
        const VlType *resolved; /* ALIAS: the named type's definition */
        VlField *fields;        /* STRUCT, ENUM: in declaration order */
        size_t n_fields;
};

typedef struct VlTypedef {
        char *name;
        char *doc; /* the comment lines before it, without "# ", or NULL */
        VlType *type;
} VlTypedef;

typedef struct VlMethod {
        char *name;
        char *doc;
        VlType *in;  /* always a STRUCT (maybe without fields) */
        VlType *out; /* always a STRUCT */
} VlMethod;

typedef struct VlErrorDef {
        char *name;
        char *doc;
        VlType *type; /* always a STRUCT */
} VlErrorDef;

typedef struct VlInterface {
        char *name; /* "io.podman" */
        char *doc;
        char *description; /* the text it was parsed from */
        VlTypedef *types;
        size_t n_types;
        VlMethod *methods;
        size_t n_methods;
        VlErrorDef *errors;
        size_t n_errors;
} VlInterface;

typedef struct VlSyntaxError {
        unsigned line;   /* 1-based */
        unsigned column; /* 1-based, in bytes */
        char message[200];
} VlSyntaxError;

/* Parses a whole interface description (varlink.org grammar): the
 * interface name, doc comments, type, method and error declarations, with
 * nested anonymous structs and enums, []T, [string]T, ?T and object. Every
 * named type used must be declared (resolved into VlType.resolved), names
 * must be unique within their kind, and types, methods and errors share one
 * namespace. On failure returns -1 and fills *ret_error (when not NULL) with
 * the 1-based position and a message; *ret is left alone. The text is copied
 * into VlInterface.description. */
int vl_interface_parse(VlInterface **ret, const char *text, VlSyntaxError *ret_error);
VlInterface *vl_interface_free(VlInterface *iface);
DEFINE_CLEANUP(VlInterface, vl_interface_free)

/* Lookups by exact name; NULL when absent. */
const VlMethod *vl_interface_find_method(const VlInterface *iface, const char *name);
const VlTypedef *vl_interface_find_type(const VlInterface *iface, const char *name);
const VlErrorDef *vl_interface_find_error(const VlInterface *iface, const char *name);

/* Writes a type in IDL syntax ("[]string", "(a: int, b: ?Foo)") into a new
 * string. Used by `varpod help` and tests. */
char *vl_type_format(const VlType *type);

/* ------------------------------------------------------------------ */
/* Type checking (validate.c).                                        */

/* Checks the parameters of a call against a method's input struct with the
 * rules of the Go reference server: absent fields and null take their zero
 * value ("", 0, 0.0, false, [] for arrays, {} for maps and structs filled
 * recursively; a ?T stays null); unknown fields are dropped at every level;
 * key matching prefers the exact name, then a case-insensitive match; an int
 * accepts only integral JSON numbers, a float accepts integers.
 *
 * parameters is borrowed and must be a JSON object. On success *ret is a new
 * object holding every declared field (the handler may read any field
 * without checking). On a mismatch returns -1 and sets *ret_field to a new
 * string naming the offending top-level field ("create") and, when
 * ret_path is not NULL, *ret_path to the full path ("create.resources.cpus")
 * for logs. */
int vl_type_check_input(const VlType *in, json_t *parameters, json_t **ret, char **ret_field,
                        char **ret_path);

/* Strict check of a reply's parameters against a method's output struct
 * (or an error's struct): every declared field present, of its type
 * (arrays, maps and ?T may be null; other values never), no undeclared
 * field. Returns 0, or -1 with *ret_path (new string) naming the first
 * offending path. Used in test builds (VARPOD_CHECK_REPLIES=1). */
int vl_type_check_output(const VlType *out, json_t *parameters, char **ret_path);

/* ------------------------------------------------------------------ */
/* Addresses (address.c).                                             */

typedef enum VlAddressKind {
        VL_ADDRESS_UNIX,     /* unix:/path */
        VL_ADDRESS_ABSTRACT, /* unix:@name */
        VL_ADDRESS_TCP,      /* tcp:host:port, tcp:[v6]:port, tcp::port */
} VlAddressKind;

typedef struct VlAddress {
        VlAddressKind kind;
        char *path;    /* UNIX: the path; ABSTRACT: the name without '@' */
        char *host;    /* TCP: host ("" means every address) */
        char *port;    /* TCP */
        unsigned mode; /* UNIX: socket file mode, from ";mode=0660"; 0600 by default */
} VlAddress;

/* Parses "unix:/path[;mode=0NNN]", "unix:@name", "tcp:host:port". Unknown
 * ";key=value" parameters are ignored. */
int vl_address_parse(VlAddress *ret, const char *text, Error **err);
void vl_address_clear(VlAddress *a);

/* Opens a listening socket (close-on-exec). For UNIX: creates a missing
 * parent directory with mode 0700, replaces a stale socket file, refuses
 * (ERR_EXISTS) when a live server answers on it, then chmods the socket to
 * a->mode. Returns the fd. */
int vl_address_listen(const VlAddress *a, Error **err);
/* Connects a stream socket (close-on-exec). Returns the fd. */
int vl_address_connect(const VlAddress *a, Error **err);

/* systemd socket activation (semantics 1.3): returns the activated listening
 * fd, or -1 when activation does not apply. */
int vl_listen_fds_take(void);

/* ------------------------------------------------------------------ */
/* Framing (stream.c): NUL-terminated JSON messages on a pair of fds.  */

typedef struct VlStream VlStream;

/* Wraps in_fd and out_fd (may be equal); the stream closes them on free
 * unless borrow_fds is set. */
VlStream *vl_stream_new(int in_fd, int out_fd, bool borrow_fds);
VlStream *vl_stream_free(VlStream *s);
DEFINE_CLEANUP(VlStream, vl_stream_free)

/* Reads the next message and parses it. Returns 1 with *ret (new
 * reference) on success, 0 on a clean end of stream (EOF between
 * messages), or -1 with *err: ERR_LIMIT for a message over
 * VL_MESSAGE_SIZE_MAX or nested deeper than VL_JSON_DEPTH_MAX,
 * ERR_PROTOCOL for malformed JSON or EOF inside a message, ERR_SYSTEM for
 * read errors. After -1 the stream is unusable. Messages already buffered
 * are returned before the fd is read again (pipelining). */
int vl_stream_read(VlStream *s, json_t **ret, Error **err);
/* True when a whole message is already buffered. */
bool vl_stream_has_buffered(const VlStream *s);
/* Serialises msg (borrowed) compactly, in insertion order, appends the NUL
 * and writes it all. */
int vl_stream_write(VlStream *s, json_t *msg, Error **err);
/* Writes a reply {"parameters": ..., "continues": true, "error": ...},
 * leaving out empty parts, in that order (the reference server's). */
int vl_stream_write_reply(VlStream *s, json_t *parameters, bool continues, const char *error,
                          Error **err);
/* The same with the parameters given as the text of a JSON object. */
int vl_stream_write_reply_text(VlStream *s, const char *parameters, size_t len, Error **err);
int vl_stream_in_fd(const VlStream *s);

/* ------------------------------------------------------------------ */
/* Server (server.c, service.c).                                      */

typedef struct VlServer VlServer;
typedef struct VlCall VlCall;

/* A method handler. parameters is borrowed and already checked and
 * normalised (vl_type_check_input). The handler must answer the call with
 * vl_call_reply() (the last one without continues) or vl_call_error()
 * before it returns, even for oneway calls (nothing is written then). A
 * handler that returns without a final answer gets the server's fallback
 * error (vl_server_new's internal_error). Handlers run on the connection's
 * own thread and may block. */
typedef void (*VlMethodHandler)(VlCall *call, json_t *parameters, void *userdata);

typedef struct VlMethodBinding {
        const char *method; /* bare method name, as declared in the IDL */
        VlMethodHandler handler;
} VlMethodBinding;

typedef struct VlServiceInfo {
        const char *vendor;
        const char *product;
        const char *version;
        const char *url;
        /* Error sent when a handler returns without answering, with one
         * string field reason_field: e.g. "io.podman.ErrorOccurred" and
         * "reason". */
        const char *internal_error;
        const char *internal_error_field;
} VlServiceInfo;

/* Creates a server serving org.varlink.service. info's strings are copied. */
int vl_server_new(VlServer **ret, const VlServiceInfo *info, Error **err);
VlServer *vl_server_free(VlServer *s);
DEFINE_CLEANUP(VlServer, vl_server_free)

/* Adds an interface from its description (copied). Methods without a
 * binding answer org.varlink.service.MethodNotImplemented with the bare
 * method name; bindings naming a method the IDL lacks are an error. */
int vl_server_add_interface(VlServer *s, const char *description, const VlMethodBinding *bindings,
                            size_t n_bindings, void *userdata, Error **err);

/* Listens on address, or on the socket-activated fd when LISTEN_* apply
 * (then address is not bound, nor unlinked at exit). */
int vl_server_listen(VlServer *s, const char *address, Error **err);

/* Serves until vl_server_stop(), SIGTERM or SIGINT (when
 * handle_signals), or idle_timeout_ms (0: never) passes with no
 * connection open and no call in flight. On the way out it stops
 * accepting, removes the socket file it created, lets calls in flight
 * finish (closing their connections for reading) and waits up to a few
 * seconds for them. Returns 0, or -1 on a fatal error. */
int vl_server_run(VlServer *s, uint64_t idle_timeout_ms, bool handle_signals, Error **err);

/* Asks vl_server_run() to return; safe from any thread and from signal
 * handlers. */
void vl_server_stop(VlServer *s);

/* Opens an in-process connection: a socketpair whose one end the server
 * serves on its own thread (vl_server_run() is not needed), the other
 * wrapped in a client. Lets a program be its own client, so the command
 * line and a remote client share one code path. */
typedef struct VlClient VlClient;
int vl_server_connect_local(VlServer *s, VlClient **ret, Error **err);

/* Strict mode: every reply is checked against the method's or error's
 * declared type; a mismatch is logged and replaced by the fallback error,
 * so tests catch handlers that send a wrong shape. Enabled by default when
 * the environment has VARPOD_CHECK_REPLIES=1. */
void vl_server_set_check_replies(VlServer *s, bool enable);

/* Sends a reply. parameters is stolen (NULL: no output fields). With
 * continues=true the call stays open for more replies; that requires the
 * caller to have set "more" (else -1, ERR_INVALID_ARGUMENT). For oneway
 * calls nothing is written. Returns 0, or -1 when the connection is gone
 * (the handler should stop producing). */
int vl_call_reply(VlCall *call, json_t *parameters, bool continues, Error **err);

/* Sends the last reply with its parameters already serialised: the text
 * of one JSON object, which the caller keeps valid (checked against the
 * method's output type like any reply when checks are on). For listings
 * too large to build as a tree first. */
int vl_call_reply_text(VlCall *call, const char *parameters, size_t len, Error **err);

/* Sends an error reply, ending the call. error is a fully qualified name
 * ("io.podman.ContainerNotFound"); parameters is stolen and may be NULL. */
int vl_call_error(VlCall *call, const char *error, json_t *parameters, Error **err);

/* Helpers for the standard org.varlink.service errors. */
int vl_call_error_invalid_parameter(VlCall *call, const char *parameter, Error **err);
int vl_call_error_not_implemented(VlCall *call, const char *method, Error **err);

bool vl_call_wants_more(const VlCall *call);
bool vl_call_is_oneway(const VlCall *call);
const char *vl_call_method(const VlCall *call); /* "interface.Method" */
/* True when the peer has closed its side; for long calls that poll. */
bool vl_call_peer_closed(VlCall *call);

/* ------------------------------------------------------------------ */
/* Client (client.c).                                                 */

enum {
        VL_CALL_MORE = 1 << 0,
        VL_CALL_ONEWAY = 1 << 1,
};

/* Connects to an address (vl_address_parse syntax). */
int vl_client_connect(VlClient **ret, const char *address, Error **err);
/* Runs `sh -c command` and speaks varlink over its stdin and stdout (a
 * varlink bridge, e.g. `ssh host varlink bridge`). */
int vl_client_connect_bridge(VlClient **ret, const char *command, Error **err);
/* Wraps connected fds (taken). */
VlClient *vl_client_new_fds(int in_fd, int out_fd);
VlClient *vl_client_free(VlClient *c);
DEFINE_CLEANUP(VlClient, vl_client_free)

/* Sends a call. parameters is borrowed, may be NULL (no "parameters"
 * key). flags: VL_CALL_MORE, VL_CALL_ONEWAY. */
int vl_client_call(VlClient *c, const char *method, json_t *parameters, unsigned flags,
                   Error **err);

/* Receives one reply. On success returns 0 with *ret_parameters (new
 * reference, an empty object when the reply had none), *ret_error (new
 * string, NULL unless it was an error reply) and *ret_continues. Each
 * ret_* may be NULL. */
int vl_client_receive(VlClient *c, json_t **ret_parameters, char **ret_error, bool *ret_continues,
                      Error **err);

/* One call, one reply: call then receive. */
int vl_client_call_simple(VlClient *c, const char *method, json_t *parameters,
                          json_t **ret_parameters, char **ret_error, Error **err);
