package evidence

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"zhifa/fault"
)

// Objects is the evidence bucket in MinIO. Uploads are versioned and locked after they
// are recorded, so an overwrite leaves the recorded version in place and verify sees it.
type Objects struct {
	Client *minio.Client
	// Presigner signs part URLs for phones; its endpoint is the address they reach MinIO
	// by, which behind a load balancer differs from the one zhifa uses.
	Presigner *minio.Client
	Bucket    string
	Retention time.Duration
	Mode      minio.RetentionMode
	PartSize  uint64
}

// streamThreads is how many parts of one streamed upload are in flight to MinIO.
const streamThreads = 3

func (o *Objects) core() minio.Core { return minio.Core{Client: o.Client} }

// objectError maps what MinIO says to the error kinds: an answer from MinIO about a
// missing object is not_found; no answer at all means storage is unavailable.
func objectError(err error, what string) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fault.Wrap(err, fault.Unavailable, "证据存储响应超时，请稍后重试")
	}
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "":
		return fault.Wrap(err, fault.Unavailable, "证据存储（MinIO）暂不可用，请稍后重试")
	case "NoSuchKey", "NoSuchVersion", "NoSuchUpload":
		return fault.Wrap(err, fault.NotFound, "%s不存在", what)
	}
	// MinIO answers 503 (SlowDownWrite, SlowDownRead…) when too few of its drives are
	// online to keep what it is given: with two of four drives lost it still reads but
	// takes no writes.
	if resp.StatusCode == 503 || strings.HasPrefix(resp.Code, "SlowDown") || resp.Code == "XMinioServerNotInitialized" {
		return fault.Wrap(err, fault.Unavailable, "证据存储暂不可用（可用磁盘不足），本次未保存，请稍后重试")
	}
	return fault.Wrap(err, fault.Internal, "证据存储出错")
}

// Put streams r into a new object and returns its version.
func (o *Objects) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (string, error) {
	info, err := o.Client.PutObject(ctx, o.Bucket, key, r, size, minio.PutObjectOptions{
		ContentType: contentType,
		PartSize:    o.PartSize,
		// Parts are read from the client serially and sent to MinIO in parallel, so
		// receiving and storing overlap; memory stays at NumThreads parts.
		ConcurrentStreamParts: true,
		NumThreads:            streamThreads,
		// zhifa hashes every byte itself; signing the payload again would only halve throughput.
		DisableContentSha256: true,
	})
	return info.VersionID, objectError(err, "证据文件")
}

// Lock sets the retention of one version, so it cannot be deleted before then.
func (o *Objects) Lock(ctx context.Context, key, version string, until time.Time) error {
	mode := o.Mode
	err := o.Client.PutObjectRetention(ctx, o.Bucket, key, minio.PutObjectRetentionOptions{
		Mode: &mode, RetainUntilDate: &until, VersionID: version,
	})
	return objectError(err, "证据文件")
}

// Remove deletes one version of an object that never became evidence (its record was
// not written, or its bytes did not match), and any multipart upload left under its key.
func (o *Objects) Remove(ctx context.Context, key, version string) error {
	if version != "" {
		err := o.Client.RemoveObject(ctx, o.Bucket, key, minio.RemoveObjectOptions{VersionID: version, GovernanceBypass: true})
		if err != nil && fault.KindOf(objectError(err, "")) != fault.NotFound {
			return objectError(err, "证据文件")
		}
	}
	// Versions written without our knowing their ID (a crash between the PUT and the
	// answer) are found by listing.
	for v := range o.Client.ListObjects(ctx, o.Bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
		if v.Err != nil {
			return objectError(v.Err, "证据文件")
		}
		if v.Key != key {
			continue
		}
		err := o.Client.RemoveObject(ctx, o.Bucket, key, minio.RemoveObjectOptions{VersionID: v.VersionID, GovernanceBypass: true})
		if err != nil {
			return objectError(err, "证据文件")
		}
	}
	res, err := o.core().ListMultipartUploads(ctx, o.Bucket, key, "", "", "", 100)
	if err != nil {
		return objectError(err, "上传")
	}
	for _, u := range res.Uploads {
		if u.Key == key {
			if err := o.core().AbortMultipartUpload(ctx, o.Bucket, key, u.UploadID); err != nil && fault.KindOf(objectError(err, "")) != fault.NotFound {
				return objectError(err, "上传")
			}
		}
	}
	return nil
}

// Open reads one version, from off for length bytes (length < 0: to the end).
func (o *Objects) Open(ctx context.Context, key, version string, off, length int64) (io.ReadCloser, error) {
	opts := minio.GetObjectOptions{VersionID: version}
	if off > 0 || length >= 0 {
		end := int64(0)
		if length >= 0 {
			end = off + length - 1
		}
		if err := opts.SetRange(off, end); err != nil {
			return nil, fault.Wrap(err, fault.Invalid, "请求的字节范围无效")
		}
	}
	rc, _, _, err := o.core().GetObject(ctx, o.Bucket, key, opts)
	return rc, objectError(err, "证据文件")
}

// Latest returns the current version of a key, which is not the recorded one when the
// object was overwritten behind zhifa's back.
func (o *Objects) Latest(ctx context.Context, key string) (minio.ObjectInfo, error) {
	info, err := o.Client.StatObject(ctx, o.Bucket, key, minio.StatObjectOptions{})
	return info, objectError(err, "证据文件")
}

// StartMultipart begins a multipart upload for phones to fill part by part.
func (o *Objects) StartMultipart(ctx context.Context, key, contentType string) (string, error) {
	id, err := o.core().NewMultipartUpload(ctx, o.Bucket, key, minio.PutObjectOptions{ContentType: contentType})
	return id, objectError(err, "上传")
}

// PartURL signs a PUT of one part straight to MinIO.
func (o *Objects) PartURL(ctx context.Context, key, uploadID string, n int, expiry time.Duration) (string, error) {
	q := url.Values{"partNumber": {strconv.Itoa(n)}, "uploadId": {uploadID}}
	u, err := o.Presigner.Presign(ctx, "PUT", o.Bucket, key, expiry, q)
	if err != nil {
		return "", objectError(err, "上传")
	}
	return u.String(), nil
}

// Part is one part MinIO holds of a multipart upload.
type Part struct {
	Number int    `json:"number"`
	Size   int64  `json:"size"`
	ETag   string `json:"etag"`
}

// Parts lists the parts that arrived.
func (o *Objects) Parts(ctx context.Context, key, uploadID string) ([]Part, error) {
	var out []Part
	marker := 0
	for {
		res, err := o.core().ListObjectParts(ctx, o.Bucket, key, uploadID, marker, 1000)
		if err != nil {
			return nil, objectError(err, "上传")
		}
		for _, p := range res.ObjectParts {
			out = append(out, Part{Number: p.PartNumber, Size: p.Size, ETag: p.ETag})
		}
		if !res.IsTruncated {
			return out, nil
		}
		marker = res.NextPartNumberMarker
	}
}

// Complete joins the parts into the object and returns its version.
func (o *Objects) Complete(ctx context.Context, key, uploadID string, parts []Part) (string, error) {
	cp := make([]minio.CompletePart, len(parts))
	for i, p := range parts {
		cp[i] = minio.CompletePart{PartNumber: p.Number, ETag: p.ETag}
	}
	info, err := o.core().CompleteMultipartUpload(ctx, o.Bucket, key, uploadID, cp, minio.PutObjectOptions{})
	return info.VersionID, objectError(err, "上传")
}
