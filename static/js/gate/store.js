// The gate's local storage (IndexedDB): "kv" holds the device token, the pack and the
// clock; "scans" holds every scan made here until the server has it.
const DB = "skypark-gate";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("kv");
      request.result.createObjectStore("scans", { keyPath: "event_id" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(store, mode, action) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const result = action(tx.objectStore(store));
    tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
  });
}

export const get = (key) => run("kv", "readonly", (s) => s.get(key));
export const set = (key, value) => run("kv", "readwrite", (s) => s.put(value, key));
export const scanAdd = (scan) => run("scans", "readwrite", (s) => s.put(scan));
export const scansAll = () => run("scans", "readonly", (s) => s.getAll());
export const scansRemove = (ids) => run("scans", "readwrite", (s) => ids.forEach((id) => s.delete(id)));
export async function wipe() {
  await run("kv", "readwrite", (s) => s.clear());
  await run("scans", "readwrite", (s) => s.clear());
}
