/* SPDX-License-Identifier: Apache-2.0 */
/* The io.podman binding table: which handler serves which method. Methods
 * absent from it answer org.varlink.service.MethodNotImplemented. */
#include "api-private.h"
#include "config.h"
#include "version.h"

extern const char api_io_podman_idl[];

const VlServiceInfo api_service_info = {
        .vendor = "varpod",
        .product = "varpod",
        .version = VARPOD_VERSION,
        .url = "",
        .internal_error = "io.podman.ErrorOccurred",
        .internal_error_field = "reason",
};

#define BIND(name) \
        { #name, io_podman_##name }

static const VlMethodBinding api_bindings[] = {
        BIND(Ping),
        BIND(GetVersion),
        BIND(GetInfo),
        BIND(ListContainers),
        BIND(GetContainer),
        BIND(ContainerExists),
        BIND(CreateContainer),
        BIND(StartContainer),
        BIND(StopContainer),
        BIND(RestartContainer),
        BIND(KillContainer),
        BIND(PauseContainer),
        BIND(UnpauseContainer),
        BIND(RemoveContainer),
        BIND(WaitContainer),
        BIND(DeleteStoppedContainers),
        BIND(GetAttachSockets),
        BIND(GetContainerLogs),
        /* containers-fs.c: changes, export, commit, mounts */
        BIND(ListContainerChanges),
        BIND(ExportContainer),
        BIND(Commit),
        BIND(ListContainerMounts),
        BIND(MountContainer),
        BIND(UnmountContainer),
        BIND(ListImages),
        BIND(GetImage),
        BIND(InspectImage),
        BIND(HistoryImage),
        BIND(TagImage),
        BIND(RemoveImage),
        BIND(ImageExists),
        BIND(DeleteUnusedImages),
        BIND(PullImage),
        BIND(ImportImage),
        BIND(ExportImage),
        BIND(PushImage),
        BIND(SearchImage),
        BIND(ImagesPrune),
        /* build.c */
        BIND(BuildImage),
        /* pods.c */
        BIND(CreatePod),
        BIND(ListPods),
        BIND(GetPod),
        BIND(InspectPod),
        BIND(StartPod),
        BIND(StopPod),
        BIND(RestartPod),
        BIND(KillPod),
        BIND(PausePod),
        BIND(UnpausePod),
        BIND(RemovePod),
        BIND(GetPodStats),
        BIND(WaitPod),
        BIND(TopPod),
        BIND(ListContainerPorts),
        BIND(GenerateKube),
        BIND(GenerateKubeService),
        BIND(ReplayKube),
        /* containers-inspect.c: documents, processes, resource use */
        BIND(InspectContainer),
        BIND(ListContainerProcesses),
        BIND(GetContainerStats),
        BIND(ContainerConfig),
        BIND(ContainerArtifacts),
        BIND(ContainerInspectData),
        BIND(ContainerStateData),
        /* containers-checkpoint.c, containers-runlabel.c */
        BIND(ContainerCheckpoint),
        BIND(ContainerRestore),
        BIND(ContainerRunlabel),
};

int api_register(VlServer *server, Engine *engine, Error **err) {
        return vl_server_add_interface(server, api_io_podman_idl, api_bindings,
                                       ELEMENTSOF(api_bindings), engine, err);
}
