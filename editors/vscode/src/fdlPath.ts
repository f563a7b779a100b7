/**
 * Which `fdl` program the extension starts: a pure function of the setting, the workspace
 * folder and the file system, so that it can be tested without VS Code.
 */
import * as os from "os";
import * as path from "path";

/** The candidates, in order, for the `fdl` program of a workspace folder. */
export function fdlCandidates(setting: string, folder: string | undefined, platform: NodeJS.Platform = process.platform): string[] {
    const configured = setting.trim();
    if (configured) {
        const expanded = configured.startsWith("~") ? path.join(os.homedir(), configured.slice(1)) : configured;
        if (path.isAbsolute(expanded) || folder === undefined || !/[\\/]/.test(expanded)) {
            // An absolute path, or a bare program name looked up on the PATH.
            return [expanded];
        }
        return [path.join(folder, expanded)];
    }
    const candidates: string[] = [];
    if (folder !== undefined) {
        candidates.push(platform === "win32"
            ? path.join(folder, ".venv", "Scripts", "fdl.exe")
            : path.join(folder, ".venv", "bin", "fdl"));
    }
    candidates.push("fdl");
    return candidates;
}

/**
 * The `fdl` program to run: the setting when given, else the folder's `.venv` one when it
 * exists, else `fdl` (found on the PATH by the operating system).
 */
export function findFdl(setting: string, folder: string | undefined, exists: (file: string) => boolean, platform: NodeJS.Platform = process.platform): string {
    const candidates = fdlCandidates(setting, folder, platform);
    if (candidates.length === 1) {
        return candidates[0];
    }
    return candidates.find((candidate) => candidate === "fdl" || exists(candidate)) ?? "fdl";
}
