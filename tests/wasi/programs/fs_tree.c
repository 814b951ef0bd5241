// Reads every file under IN (recursively, in name order), writes one line
// per file -- its path, size and a checksum -- to OUT/summary.txt, copies
// IN's files' total into OUT/total.txt, and prints the summary. Exits with
// the number of files. The same program natively, under `kiln run` and
// under `kiln run --server` must give the same output, files and exit code.
//
//   fs_tree IN OUT
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static FILE* summary;
static int files;
static uint64_t total;

static int CompareNames(const void* a, const void* b) {
  return strcmp(*(const char* const*)a, *(const char* const*)b);
}

static void Walk(const char* dir) {
  DIR* d = opendir(dir);
  if (!d) {
    perror(dir);
    exit(200);
  }
  char* names[256];
  int count = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL && count < 256) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    names[count++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, count, sizeof names[0], CompareNames);
  for (int i = 0; i < count; ++i) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    struct stat st;
    if (stat(path, &st) != 0) {
      perror(path);
      exit(201);
    }
    if (S_ISDIR(st.st_mode)) {
      Walk(path);
    } else {
      FILE* f = fopen(path, "rb");
      if (!f) {
        perror(path);
        exit(202);
      }
      uint32_t sum = 2166136261u;  // FNV-1a
      int c;
      long size = 0;
      while ((c = fgetc(f)) != EOF) {
        sum = (sum ^ (uint8_t)c) * 16777619u;
        ++size;
      }
      fclose(f);
      fprintf(summary, "%s %ld %08x\n", path, size, sum);
      printf("%s %ld %08x\n", path, size, sum);
      ++files;
      total += (uint64_t)size;
    }
    free(names[i]);
  }
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: fs_tree IN OUT\n");
    return 255;
  }
  char path[1024];
  snprintf(path, sizeof path, "%s/summary.txt", argv[2]);
  summary = fopen(path, "w");
  if (!summary) {
    perror(path);
    return 203;
  }
  Walk(argv[1]);
  fclose(summary);
  snprintf(path, sizeof path, "%s/total.txt", argv[2]);
  FILE* t = fopen(path, "w");
  if (!t) {
    perror(path);
    return 204;
  }
  fprintf(t, "%llu bytes in %d files\n", (unsigned long long)total, files);
  fclose(t);
  fprintf(stderr, "%d files\n", files);
  return files;
}
