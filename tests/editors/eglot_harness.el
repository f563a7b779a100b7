;;; Drives eglot as configured by the snippet: opens a flow, waits for its diagnostics, asks
;;; for completion and hover where the test says, writes what came back as JSON.
(require 'json)
(require 'flymake)
(defun fdl-test--wait (predicate timeout)
  "Process events until PREDICATE holds or TIMEOUT seconds pass."
  (let ((deadline (+ (float-time) timeout)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (funcall predicate)))
(defun fdl-test--position (spec)
  "The buffer position of the LSP position SPEC (line and character, ASCII text)."
  (save-excursion
    (goto-char (point-min))
    (forward-line (gethash "line" spec))
    (forward-char (gethash "character" spec))
    (point)))
(let* ((spec (json-parse-string (getenv "FDL_EDITOR_TEST")))
       (timeout (/ (gethash "timeout" spec) 1000.0))
       (result (make-hash-table :test 'equal))
       (requests (make-hash-table :test 'equal)))
  (find-file (gethash "file" spec))
  ;; eglot-ensure connects from post-command-hook, which has no command loop to run it in batch.
  (run-hooks 'post-command-hook)
  (fdl-test--wait (lambda () (eglot-current-server)) timeout)
  (puthash "mode" (symbol-name major-mode) result)
  (fdl-test--wait (lambda () (flymake-start) (flymake-diagnostics)) timeout)
  (puthash "diagnostics"
           (vconcat (mapcar (lambda (d)
                              (let ((h (make-hash-table :test 'equal)))
                                (puthash "line" (1- (line-number-at-pos (flymake-diagnostic-beg d))) h)
                                (puthash "message" (flymake-diagnostic-text d) h)
                                h))
                            (flymake-diagnostics)))
           result)
  (maphash
   (lambda (name request)
     (goto-char (fdl-test--position (gethash "position" request)))
     (puthash name
              (if (equal (gethash "method" request) "textDocument/completion")
                  ;; What completion-at-point offers: eglot's table, every candidate.
                  (let ((capf (eglot-completion-at-point)))
                    (vconcat (and capf (all-completions "" (nth 2 capf)))))
                (let ((answer (jsonrpc-request
                               (eglot-current-server) :textDocument/hover
                               (list :textDocument (list :uri (concat "file://" (buffer-file-name)))
                                     :position (list :line (gethash "line" (gethash "position" request))
                                                     :character (gethash "character" (gethash "position" request)))))))
                  (plist-get (plist-get answer :contents) :value)))
              requests))
   (gethash "requests" spec))
  (puthash "requests" requests result)
  (with-temp-file (gethash "out" spec)
    (insert (json-encode result)))
  (kill-emacs 0))
