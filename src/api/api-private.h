/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "api.h"
#include "error.h"
#include "json-util.h"

/* Answers call with the io.podman error for e's kind (errors.c): the one
 * place where engine error kinds become wire errors. name is the object
 * name as the caller gave it, for the *NotFound errors. */
void api_reply_error(VlCall *call, const Error *e, const char *name);

/* Answers call with ErrorOccurred(reason). */
void api_reply_error_occurred(VlCall *call, const char *reason);

/* A ContainerStats reply object (GetContainerStats, GetPodStats). New
 * reference. */
struct Container;
struct ContainerStats;
json_t *api_container_stats_json(const struct Container *c, const struct ContainerStats *s);

/* Handlers, named after their methods; userdata is the Engine. */
#define API_HANDLER(name) void io_podman_##name(VlCall *call, json_t *parameters, void *userdata)

/* system.c */
API_HANDLER(Ping);
API_HANDLER(GetVersion);
API_HANDLER(GetInfo);

/* images.c */
API_HANDLER(ListImages);
API_HANDLER(GetImage);
API_HANDLER(InspectImage);
API_HANDLER(HistoryImage);
API_HANDLER(TagImage);
API_HANDLER(RemoveImage);
API_HANDLER(ImageExists);
API_HANDLER(DeleteUnusedImages);
API_HANDLER(PullImage);
API_HANDLER(ImportImage);
API_HANDLER(ExportImage);
API_HANDLER(PushImage);
API_HANDLER(SearchImage);
API_HANDLER(ImagesPrune);

/* build.c */
API_HANDLER(BuildImage);

/* containers.c */
API_HANDLER(ListContainers);
API_HANDLER(GetContainer);
API_HANDLER(ContainerExists);
API_HANDLER(CreateContainer);
API_HANDLER(StartContainer);
API_HANDLER(StopContainer);
API_HANDLER(RestartContainer);
API_HANDLER(KillContainer);
API_HANDLER(PauseContainer);
API_HANDLER(UnpauseContainer);
API_HANDLER(RemoveContainer);
API_HANDLER(WaitContainer);
API_HANDLER(DeleteStoppedContainers);
API_HANDLER(GetAttachSockets);
API_HANDLER(GetContainerLogs);

/* containers-fs.c: containers' filesystems */
API_HANDLER(ListContainerChanges);
API_HANDLER(ExportContainer);
API_HANDLER(Commit);
API_HANDLER(ListContainerMounts);
API_HANDLER(MountContainer);
API_HANDLER(UnmountContainer);

/* pods.c */
API_HANDLER(CreatePod);
API_HANDLER(ListPods);
API_HANDLER(GetPod);
API_HANDLER(InspectPod);
API_HANDLER(StartPod);
API_HANDLER(StopPod);
API_HANDLER(RestartPod);
API_HANDLER(KillPod);
API_HANDLER(PausePod);
API_HANDLER(UnpausePod);
API_HANDLER(RemovePod);
API_HANDLER(GetPodStats);

/* stubs.c: methods the reference answered with a qualified name */
API_HANDLER(WaitPod);
API_HANDLER(TopPod);
API_HANDLER(ListContainerPorts);
API_HANDLER(GenerateKube);
API_HANDLER(GenerateKubeService);
API_HANDLER(ReplayKube);

/* containers-inspect.c: container documents, processes and resource use */
API_HANDLER(InspectContainer);
API_HANDLER(ListContainerProcesses);
API_HANDLER(GetContainerStats);
API_HANDLER(ContainerConfig);
API_HANDLER(ContainerArtifacts);
API_HANDLER(ContainerInspectData);
API_HANDLER(ContainerStateData);

/* containers-checkpoint.c, containers-runlabel.c */
API_HANDLER(ContainerCheckpoint);
API_HANDLER(ContainerRestore);
API_HANDLER(ContainerRunlabel);
