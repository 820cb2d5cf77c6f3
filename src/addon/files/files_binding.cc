// The file layer's bindings: what lib/ writes or reads in a directory
// (reports, allocation profiles, profile requests and their error files,
// the CLI's side of them) goes through src/core/capture's checked
// directory and atomic writer, never through node:fs by path. There is no
// second copy of these rules in JavaScript (docs/security.md).
//
// Every call is synchronous and bounded: a write is of data already in
// memory (a report or a profile, a few MB at most) to a file we created,
// a read is of at most `maxBytes` of a regular file opened O_NONBLOCK, so
// nothing here can wait on a file another user controls. Being
// synchronous, a call cannot be cut in half by worker termination or
// process.exit(): the .tmp is published or removed before it returns.
//
// Runs on the calling environment's JS thread.
#include "addon/files/files_binding.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "addon/napi/errors.h"
#include "addon/napi/exports.h"
#include "addon/napi/raw_object.h"
#include "core/capture/checked_directory.h"
#include "core/capture/snapshot_file.h"

namespace leakguard {

namespace {

// The largest file readFile() reads: request and error files are 4 KiB.
constexpr double kMaxReadBytes = 1 << 20;

bool GetString(napi_env env, napi_value v, std::string* out) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &length) != napi_ok)
    return false;
  out->resize(length + 1);
  if (napi_get_value_string_utf8(env, v, &(*out)[0], out->size(), &length) !=
      napi_ok) {
    return false;
  }
  out->resize(length);
  return true;
}

// Property `key` of `object`: undefined when absent.
napi_value Prop(napi_env env, napi_value object, const char* key) {
  napi_value v = nullptr;
  if (napi_get_named_property(env, object, key, &v) != napi_ok)
    return nullptr;
  return v;
}

bool IsType(napi_env env, napi_value v, napi_valuetype type) {
  napi_valuetype t;
  return v != nullptr && napi_typeof(env, v, &t) == napi_ok && t == type;
}

// A uid or gid option: -1 (kThisUser) when absent.
bool GetId(napi_env env, napi_value object, const char* key, int64_t* out) {
  *out = kThisUser;
  napi_value v = Prop(env, object, key);
  if (v == nullptr || IsType(env, v, napi_undefined))
    return true;
  return IsType(env, v, napi_number) &&
         napi_get_value_int64(env, v, out) == napi_ok && *out >= 0;
}

// The options every call takes: { role, create, private, ownerUid,
// ownerGid }. private: refuse a directory others can write to even with
// the sticky bit (profile requests).
bool ReadPolicy(napi_env env,
                napi_value o,
                DirectoryPolicy* policy,
                std::string* role) {
  napi_value v = Prop(env, o, "role");
  if (!IsType(env, v, napi_string) || !GetString(env, v, role))
    return false;
  policy->role = role->c_str();
  v = Prop(env, o, "create");
  bool create = false;
  if (IsType(env, v, napi_boolean))
    napi_get_value_bool(env, v, &create);
  policy->create = create;
  v = Prop(env, o, "private");
  bool only_owner = false;
  if (IsType(env, v, napi_boolean))
    napi_get_value_bool(env, v, &only_owner);
  policy->allow_shared = !only_owner;
  return GetId(env, o, "ownerUid", &policy->owner_uid) &&
         GetId(env, o, "ownerGid", &policy->owner_gid);
}

// (dir, name, options): the common head of the calls.
struct Call {
  std::string dir;
  std::string name;
  std::string role;
  DirectoryPolicy policy;
  napi_value options = nullptr;
};

bool ReadCall(napi_env env,
              napi_callback_info cbinfo,
              const char* usage,
              Call* call,
              napi_value* rest,
              size_t rest_count) {
  napi_value argv[6];
  size_t argc = 6;
  if (napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr) != napi_ok)
    return false;
  if (argc < 3 + rest_count || !IsType(env, argv[0], napi_string) ||
      !IsType(env, argv[1], napi_string) ||
      !IsType(env, argv[2 + rest_count], napi_object) ||
      !GetString(env, argv[0], &call->dir) ||
      !GetString(env, argv[1], &call->name) ||
      !ReadPolicy(env, argv[2 + rest_count], &call->policy, &call->role)) {
    return ThrowAssertion(env, std::string(usage) + " expected");
  }
  call->options = argv[2 + rest_count];
  for (size_t i = 0; i < rest_count; i++)
    rest[i] = argv[2 + i];
  return true;
}

ErrorInfo Info(const Status& s, const IoError& io) {
  ErrorInfo e;
  e.status = s.code();
  e.message = s.message();
  e.error = io.error;
  e.syscall = io.syscall;
  e.path = io.path;
  return e;
}

napi_value Fail(napi_env env, const Status& s, const IoError& io) {
  ThrowError(env, Info(s, io));
  return nullptr;
}

// The call's directory, opened and checked by its policy but never
// created (writeFile and checkDirectory create it); closed with the scope.
struct CheckedDir {
  int fd = -1;
  IoError io;
  Status status;
  explicit CheckedDir(Call* call) {
    call->policy.create = false;
    status = OpenCheckedDirectory(call->dir, call->policy, &fd, nullptr, &io);
  }
  ~CheckedDir() {
    if (fd >= 0)
      close(fd);
  }
  CheckedDir(const CheckedDir&) = delete;
  CheckedDir& operator=(const CheckedDir&) = delete;
  bool missing() const { return !status.ok() && io.error == ENOENT; }
};

napi_value Null(napi_env env) {
  napi_value v = nullptr;
  napi_get_null(env, &v);
  return v;
}

// The bytes of a string (UTF-8) or of a Uint8Array/Buffer.
bool GetData(napi_env env,
             napi_value v,
             std::string* copy,
             const char** data,
             size_t* size) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) == napi_ok && is_typed) {
    napi_typedarray_type type;
    size_t length = 0;
    void* bytes = nullptr;
    if (napi_get_typedarray_info(
            env, v, &type, &length, &bytes, nullptr, nullptr) != napi_ok ||
        type != napi_uint8_array) {
      return false;
    }
    *data = static_cast<const char*>(bytes);
    *size = length;
    return true;
  }
  if (!IsType(env, v, napi_string) || !GetString(env, v, copy))
    return false;
  *data = copy->data();
  *size = copy->size();
  return true;
}

// writeFile(dir, name, data, { role, create, mode: 'unique' | 'replace' |
// 'exclusive', ownerUid?, ownerGid?, chown? }) -> { path, bytes }.
// `name` is a file name (no separator). chown: give the file to
// ownerUid/ownerGid through its descriptor (root's CLI). Throws the
// directory's refusal or the failed system call; nothing partial is left.
napi_value WriteFile(napi_env env, napi_callback_info cbinfo) {
  Call call;
  napi_value data_value = nullptr;
  if (!ReadCall(env,
                cbinfo,
                "writeFile(dir, name, data, options)",
                &call,
                &data_value,
                1)) {
    return nullptr;
  }
  std::string copy;
  const char* data = nullptr;
  size_t size = 0;
  if (!GetData(env, data_value, &copy, &data, &size)) {
    ThrowAssertion(env, "writeFile: data must be a string or a Uint8Array");
    return nullptr;
  }
  if (call.name.empty() || call.name.find('/') != std::string::npos ||
      call.name[0] == '.') {
    ThrowAssertion(env, "writeFile: '" + call.name + "' is not a file name");
    return nullptr;
  }
  AtomicFileWriter writer;
  std::string mode;
  napi_value v = Prop(env, call.options, "mode");
  if (IsType(env, v, napi_string))
    GetString(env, v, &mode);
  if (mode == "replace") {
    writer.set_mode(PublishMode::kReplace);
  } else if (mode == "exclusive") {
    writer.set_mode(PublishMode::kNoReplace);
  } else if (mode != "unique") {
    ThrowAssertion(env, "writeFile: mode must be unique, replace or exclusive");
    return nullptr;
  }
  bool chown = false;
  v = Prop(env, call.options, "chown");
  if (IsType(env, v, napi_boolean))
    napi_get_value_bool(env, v, &chown);
  if (chown)
    writer.set_owner(call.policy.owner_uid, call.policy.owner_gid);
  Status s = writer.Open(call.dir, call.name, call.policy);
  if (s.ok())
    s = writer.Write(data, size);
  if (s.ok())
    s = writer.Sync();
  if (s.ok())
    s = writer.Publish();
  if (!s.ok())
    return Fail(env, s, writer.error());
  return RawObject(env)
      .Str("path", writer.path())
      .Num("bytes", static_cast<double>(writer.bytes_written()))
      .Done();
}

// readFile(dir, name, maxBytes, { role, ownerUid?, ownerGid?, fileUid? })
// -> { text, mtimeMs }, or null when the file (or the directory) does not
// exist. The file must be a regular file of fileUid's (default: this
// process's user; root's always counts) and at most maxBytes; it is
// opened O_NOFOLLOW | O_NONBLOCK, so a link or a FIFO in its place is an
// error, never followed or waited on.
napi_value ReadFile(napi_env env, napi_callback_info cbinfo) {
  Call call;
  napi_value max_value = nullptr;
  if (!ReadCall(env,
                cbinfo,
                "readFile(dir, name, maxBytes, options)",
                &call,
                &max_value,
                1)) {
    return nullptr;
  }
  double max_bytes = 0;
  int64_t file_uid = kThisUser;
  if (!IsType(env, max_value, napi_number) ||
      napi_get_value_double(env, max_value, &max_bytes) != napi_ok ||
      !(max_bytes >= 0 && max_bytes <= kMaxReadBytes) ||
      !GetId(env, call.options, "fileUid", &file_uid)) {
    ThrowAssertion(env, "readFile: maxBytes from 0 to 1 MiB expected");
    return nullptr;
  }
  call.policy.create = false;
  int dfd = -1;
  IoError io;
  Status s = OpenCheckedDirectory(call.dir, call.policy, &dfd, nullptr, &io);
  napi_value null_value = nullptr;
  napi_get_null(env, &null_value);
  if (!s.ok())
    return io.error == ENOENT ? null_value : Fail(env, s, io);
  std::string text;
  int64_t mtime_ms = 0;
  s = ReadGuardedFile(dfd,
                      call.dir,
                      call.name,
                      file_uid,
                      static_cast<size_t>(max_bytes),
                      &text,
                      &mtime_ms,
                      &io);
  close(dfd);
  if (!s.ok())
    return io.error == ENOENT ? null_value : Fail(env, s, io);
  return RawObject(env)
      .Str("text", text)
      .Num("mtimeMs", static_cast<double>(mtime_ms))
      .Done();
}

// openFile(dir, name, { role, fileUid? }) -> a file descriptor, open for
// reading, of `name` in the checked directory: O_NOFOLLOW | O_NONBLOCK,
// then fstat must show a regular file of fileUid's (default this user's).
// For a stream of a large file of ours (the snapshot a sink uploads); the
// caller closes it.
napi_value OpenFile(napi_env env, napi_callback_info cbinfo) {
  Call call;
  if (!ReadCall(
          env, cbinfo, "openFile(dir, name, options)", &call, nullptr, 0)) {
    return nullptr;
  }
  int64_t file_uid = kThisUser;
  if (!GetId(env, call.options, "fileUid", &file_uid)) {
    ThrowAssertion(env, "openFile: fileUid must be a uid");
    return nullptr;
  }
  CheckedDir d(&call);
  if (!d.status.ok())
    return Fail(env, d.status, d.io);
  int fd = -1;
  IoError io;
  const Status s =
      OpenGuardedFile(d.fd, call.dir, call.name, file_uid, &fd, &io);
  if (!s.ok())
    return Fail(env, s, io);
  napi_value out = nullptr;
  if (napi_create_int32(env, fd, &out) != napi_ok) {
    close(fd);
    return nullptr;
  }
  return out;
}

// removeFile(dir, name, { role, ownerUid?, ownerGid? }) -> true when it
// was removed, false when it was not there. unlinkat through the checked
// directory: a link is removed, never followed.
napi_value RemoveFile(napi_env env, napi_callback_info cbinfo) {
  Call call;
  if (!ReadCall(
          env, cbinfo, "removeFile(dir, name, options)", &call, nullptr, 0)) {
    return nullptr;
  }
  CheckedDir d(&call);
  if (!d.status.ok()) {
    if (!d.missing())
      return Fail(env, d.status, d.io);
    napi_value no = nullptr;
    napi_get_boolean(env, false, &no);
    return no;
  }
  const bool removed = unlinkat(d.fd, call.name.c_str(), 0) == 0;
  const int err = errno;
  if (!removed && err != ENOENT) {
    IoError io;
    const Status s =
        IoFailure(&io, "unlink", JoinPath(call.dir, call.name), err);
    return Fail(env, s, io);
  }
  napi_value result = nullptr;
  napi_get_boolean(env, removed, &result);
  return result;
}

// pruneFiles(dir, template, { role, extension, maxFiles }) -> removed
// paths: the oldest files of ours matching the template beyond maxFiles
// (0 keeps all), and temporaries of ours whose writer is dead (their flock
// can be taken), whatever their age.
napi_value PruneFiles(napi_env env, napi_callback_info cbinfo) {
  Call call;
  if (!ReadCall(env,
                cbinfo,
                "pruneFiles(dir, template, options)",
                &call,
                nullptr,
                0)) {
    return nullptr;
  }
  std::string extension;
  double max_files = 0;
  napi_value ext = Prop(env, call.options, "extension");
  napi_value max = Prop(env, call.options, "maxFiles");
  if (!IsType(env, ext, napi_string) || !GetString(env, ext, &extension) ||
      !IsType(env, max, napi_number) ||
      napi_get_value_double(env, max, &max_files) != napi_ok ||
      !(max_files >= 0)) {
    ThrowAssertion(env, "pruneFiles: extension and maxFiles expected");
    return nullptr;
  }
  // The directory is checked first (retention and the temporaries' scan
  // then open it again, each by O_NOFOLLOW).
  {
    CheckedDir d(&call);
    if (!d.status.ok())
      return Fail(env, d.status, d.io);
  }
  std::vector<std::string> removed;
  IoError io;
  const Status s = ApplyRetention(call.dir,
                                  call.name,
                                  static_cast<size_t>(max_files),
                                  &removed,
                                  &io,
                                  extension.c_str());
  RemoveStaleTemporaries(call.dir, call.name, 0, &removed, extension.c_str());
  if (!s.ok())
    return Fail(env, s, io);
  napi_value array = nullptr;
  if (napi_create_array_with_length(env, removed.size(), &array) != napi_ok)
    return nullptr;
  for (size_t i = 0; i < removed.size(); i++) {
    napi_value str;
    if (napi_create_string_utf8(
            env, removed[i].c_str(), removed[i].size(), &str) != napi_ok ||
        napi_set_element(env, array, static_cast<uint32_t>(i), str) !=
            napi_ok) {
      return nullptr;
    }
  }
  return array;
}

// checkDirectory(dir, { role, create, private?, ownerUid?, ownerGid? })
// -> null when files may be written there, else the Error saying why (not
// thrown: for a refusal at the call that configured it, or a log line at
// start).
napi_value CheckDirectory(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[2];
  size_t argc = 2;
  Call call;
  if (napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr) != napi_ok ||
      argc < 2 || !IsType(env, argv[0], napi_string) ||
      !IsType(env, argv[1], napi_object) ||
      !GetString(env, argv[0], &call.dir) ||
      !ReadPolicy(env, argv[1], &call.policy, &call.role)) {
    ThrowAssertion(env, "checkDirectory(dir, options) expected");
    return nullptr;
  }
  int dfd = -1;
  IoError io;
  const Status s =
      OpenCheckedDirectory(call.dir, call.policy, &dfd, nullptr, &io);
  if (dfd >= 0)
    close(dfd);
  if (s.ok())
    return Null(env);
  return MakeError(env, Info(s, io));
}

napi_value Export(napi_env env,
                  napi_value exports,
                  const char* name,
                  napi_callback cb) {
  napi_value fn = nullptr;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn) !=
          napi_ok ||
      napi_set_named_property(env, exports, name, fn) != napi_ok) {
    return nullptr;
  }
  return fn;
}

}  // namespace

bool InitFileBindings(napi_env env, napi_value exports) {
  return Export(env, exports, "writeFile", WriteFile) != nullptr &&
         Export(env, exports, "readFile", ReadFile) != nullptr &&
         Export(env, exports, "openFile", OpenFile) != nullptr &&
         Export(env, exports, "removeFile", RemoveFile) != nullptr &&
         Export(env, exports, "pruneFiles", PruneFiles) != nullptr &&
         Export(env, exports, "checkDirectory", CheckDirectory) != nullptr;
}

}  // namespace leakguard
